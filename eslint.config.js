import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { tresorPlugin } from './eslint/import-boundaries.mjs';

/** Node's globals, for plain JavaScript (the ES ones come with the language version). */
const nodeGlobals = Object.fromEntries(
  'process console Buffer URL URLSearchParams fetch AbortController AbortSignal performance setTimeout clearTimeout setInterval clearInterval setImmediate clearImmediate queueMicrotask structuredClone TextEncoder TextDecoder'
    .split(' ')
    .map((name) => [name, 'readonly']),
);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'consul/.cache/**', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
  {
    // The layering (eslint/import-boundaries.mjs; test/unit/architecture/imports.test.ts shows it bites).
    files: ['src/**/*.ts', 'consul/**/*.ts', 'dns/**/*.ts'],
    plugins: { tresor: tresorPlugin },
    rules: { 'tresor/import-boundaries': 'error' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'it', 'test', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
    },
  },
  {
    // Plain JavaScript (scripts/, deploy/, this file): ESLint's recommended rules and Node's globals,
    // without the type-checked TypeScript rules (these files are not in tsconfig.json).
    files: ['**/*.mjs', '**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: nodeGlobals },
    rules: {
      ...Object.fromEntries(
        Object.keys(tseslint.plugin.rules ?? {}).map((r) => [`@typescript-eslint/${r}`, 'off']),
      ),
      ...js.configs.recommended.rules, // the TypeScript configs above turn some of them off for every file
    },
  },
  prettier,
);
