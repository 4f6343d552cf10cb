/**
 * The catch-all of a kv v2 mount: a v1-style path (or an operation on a prefix root such as
 * `data`) answers 404 with `data: null` and Vault's warning, which tools grep for.
 */
import type { LogicalRequest, LogicalResponse, Operation } from '../../../../logical/types.js';
import type { PathSpec } from '../../../../framework/backend.js';

const ROOTS = new Set(['metadata', 'data', 'delete', 'undelete', 'destroy']);

const SUBCOMMANDS: Record<Operation, string> = {
  create: 'put',
  update: 'put',
  patch: 'patch',
  read: 'get',
  list: 'list',
  delete: 'delete',
};

/** Vault's warning for a path that a versioned K/V engine does not serve. */
export function invalidPathWarning(operation: Operation): string {
  return (
    'Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. ' +
    `If using the Vault CLI, use 'vault kv ${SUBCOMMANDS[operation]}' for this operation.`
  );
}

async function handler(req: LogicalRequest): Promise<LogicalResponse> {
  const warning = ROOTS.has(req.path)
    ? 'Non-listing operations on the root of a K/V v2 mount are not supported.'
    : invalidPathWarning(req.operation);
  return Promise.resolve({ statusCode: 404, data: null, warnings: [warning] });
}

/** Must stay last: it matches every path the real ones did not. */
export const pathV1Warning: PathSpec = {
  pattern: '^.*$',
  fields: {},
  operations: {
    read: handler,
    list: handler,
    create: handler,
    update: handler,
    patch: handler,
    delete: handler,
  },
  synopsis: 'Explains that kv v1-style paths are not served by a versioned K/V engine.',
};
