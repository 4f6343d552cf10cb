// The layering of the code base as an ESLint rule: each layer names the folders it may not import
// from (and the few files it may). The rule resolves every relative import to a repository path,
// so it holds however deep the importing file sits. The table is the README's architecture section
// in executable form; test/unit/architecture/boundaries.test.ts shows that a violation fails.
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * `files`: repository path prefixes this layer covers. `deny`: prefixes its files may not import.
 * `allow`: exact files (or prefixes) that stay importable despite `deny`. `why`: the message.
 */
export const LAYERS = [
  {
    files: ['src/builtin/', 'src/framework/', 'src/logical/'],
    deny: [
      'src/core/',
      'src/http/',
      'src/server/',
      'src/cli/',
      'src/physical/',
      'src/config/',
      'consul/',
      'dns/',
    ],
    allow: [],
    why: 'engines and their framework see only src/logical, src/framework and src/helper, never the core',
  },
  {
    files: ['src/physical/'],
    deny: [
      'src/core/',
      'src/http/',
      'src/server/',
      'src/cli/',
      'src/builtin/',
      'src/framework/',
      'src/logical/',
      'consul/',
      'dns/',
    ],
    allow: [],
    why: 'storage backends know nothing above the physical contract',
  },
  {
    files: ['src/core/'],
    deny: ['src/http/', 'src/server/', 'src/cli/', 'consul/', 'dns/'],
    allow: [],
    why: 'the core is transport- and storage-agnostic: no HTTP, no wiring, no Consul',
  },
  {
    files: ['src/http/'],
    deny: ['src/physical/', 'src/builtin/', 'src/server/', 'src/cli/', 'consul/', 'dns/'],
    allow: [],
    why: 'HTTP glue talks to the core only; storage and engines are behind it',
  },
  {
    files: ['src/helper/', 'src/config/'],
    deny: [
      'src/core/',
      'src/http/',
      'src/server/',
      'src/cli/',
      'src/builtin/',
      'src/framework/',
      'src/logical/',
      'src/physical/',
      'consul/',
      'dns/',
    ],
    allow: [],
    why: 'helpers and config are leaves: they import nothing of the server',
  },
  {
    files: ['consul/'],
    deny: ['src/', 'dns/'],
    allow: [
      'src/helper/',
      'src/config/types.ts',
      'src/config/tls-version.ts',
      'src/physical/types.ts',
      'src/physical/read-cache.ts',
      'src/core/node-state.ts',
    ],
    why: 'consul/ sees the server only through its contract: helpers, config types, the physical contract (and its read cache) and the node state',
  },
  {
    files: ['dns/'],
    deny: ['src/', 'consul/'],
    allow: ['src/helper/', 'src/config/', 'consul/contract.ts', 'consul/client/'],
    why: 'the resolver reads Consul through consul/contract.ts and consul/client/ only, and shares helpers and config parsing',
  },
  {
    files: ['src/'],
    deny: ['test/', 'bench/'],
    allow: [],
    why: 'shipped code never imports tests or benchmarks',
  },
];

const under = (file, prefixes) => prefixes.some((p) => file === p || file.startsWith(p));

/** The first layer rule an import from `from` to `to` (repository paths) breaks, if any. */
export function violation(from, to) {
  for (const layer of LAYERS) {
    if (!under(from, layer.files)) continue;
    if (under(to, layer.deny) && !under(to, layer.allow) && !under(to, layer.files)) return layer;
  }
  return undefined;
}

function check(context, node) {
  const spec = node.source?.value;
  if (typeof spec !== 'string' || !spec.startsWith('.')) return;
  const from = path.relative(ROOT, context.filename).split(path.sep).join('/');
  const resolved = path.resolve(path.dirname(context.filename), spec).replace(/\.js$/, '.ts');
  const to = path.relative(ROOT, resolved).split(path.sep).join('/');
  const layer = violation(from, to);
  if (layer !== undefined)
    context.report({ node: node.source, messageId: 'boundary', data: { from, to, why: layer.why } });
}

export const importBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'enforce the layering of src/, consul/ and dns/' },
    messages: { boundary: '{{from}} may not import {{to}}: {{why}}' },
    schema: [],
  },
  create(context) {
    const visit = (node) => check(context, node);
    return {
      ImportDeclaration: visit,
      ExportNamedDeclaration: visit,
      ExportAllDeclaration: visit,
      ImportExpression: visit,
    };
  },
};

export const tresorPlugin = { rules: { 'import-boundaries': importBoundaries } };
