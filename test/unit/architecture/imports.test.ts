import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Linter } from 'eslint';
import { LAYERS, tresorPlugin, violation } from '../../../eslint/import-boundaries.mjs';
import { REPO, importCycles, importGraph, sourceFiles } from '../../helpers/import-graph.js';

const SHIPPED = ['src', 'consul', 'dns'];

/** Lints `code` as if it were the repository file `file`, with only the boundary rule on. */
function lintAs(file: string, code: string): string[] {
  const linter = new Linter({ configType: 'flat' });
  const messages = linter.verify(
    code,
    [
      {
        files: ['**/*.ts'],
        plugins: { tresor: tresorPlugin },
        rules: { 'tresor/import-boundaries': 'error' },
      },
    ],
    { filename: path.join(REPO, file) },
  );
  return messages.map((m) => m.message);
}

describe('architecture: imports', () => {
  it('has no import cycle in src/, consul/ or dns/, type-only imports included', () => {
    const cycles = importCycles(importGraph(sourceFiles(SHIPPED)), true);
    assert.deepEqual(cycles, []);
  });

  it('breaks no layer rule anywhere in src/, consul/ or dns/', () => {
    const broken: string[] = [];
    for (const [from, edges] of importGraph(sourceFiles(SHIPPED)))
      for (const edge of edges)
        if (violation(from, edge.to) !== undefined) broken.push(`${from} -> ${edge.to}`);
    assert.deepEqual(broken, []);
  });

  it('the lint rule fails on a deliberate violation, naming both files and the reason', () => {
    const messages = lintAs(
      'src/builtin/logical/kv/evil.ts',
      "import { Core } from '../../../core/core.js';\n",
    );
    assert.equal(messages.length, 1);
    assert.match(
      messages[0] ?? '',
      /src\/builtin\/logical\/kv\/evil\.ts may not import src\/core\/core\.ts: engines/,
    );
    assert.deepEqual(
      lintAs('src/builtin/logical/kv/fine.ts', "import { x } from '../../../helper/errors.js';\n"),
      [],
    );
  });

  it('holds however deep the importer is, for re-exports and dynamic imports too', () => {
    assert.equal(lintAs('dns/sub/deeper/x.ts', "export { y } from '../../../src/core/core.js';\n").length, 1);
    assert.equal(lintAs('consul/storage/x.ts', "const m = import('../../src/http/app.js');\n").length, 1);
    assert.equal(lintAs('src/physical/x.ts', "export * from '../core/node-state.js';\n").length, 1);
  });

  it('lets consul/ and dns/ reach the server only through their contracts', () => {
    assert.deepEqual(
      lintAs('consul/registration/x.ts', "import { roleOf } from '../../src/core/node-state.js';\n"),
      [],
    );
    assert.equal(
      lintAs('consul/registration/x.ts', "import { Core } from '../../src/core/core.js';\n").length,
      1,
    );
    assert.deepEqual(lintAs('dns/x.ts', "import { lockKeyUnder } from '../consul/contract.js';\n"), []);
    assert.equal(
      lintAs('dns/x.ts', "import { ConsulBackend } from '../consul/storage/backend.js';\n").length,
      1,
    );
    assert.equal(lintAs('dns/x.ts', "import { parseFlags } from '../src/cli/flags.js';\n").length, 1);
  });

  it('names every shipped folder in some layer', () => {
    const covered = (file: string): boolean => LAYERS.some((l) => l.files.some((p) => file.startsWith(p)));
    const uncovered = sourceFiles(SHIPPED).filter((f) => !covered(f));
    assert.deepEqual(uncovered, []);
  });
});
