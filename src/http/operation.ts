import type { Context } from 'koa';
import type { Operation } from '../logical/types.js';
import { InvalidRequestError, VaultError } from '../helper/errors.js';

const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/**
 * Whether a GET asks for a list: `?list=` parsed as a Go bool, the first value counting (Go's
 * url.Values.Get), as Vault does.
 */
function listQuery(ctx: Context): boolean {
  const raw = ctx.query.list;
  const list = Array.isArray(raw) ? raw[0] : raw;
  if (list === undefined || list === '') return false;
  if (TRUE.has(list)) return true;
  if (FALSE.has(list)) return false;
  throw new InvalidRequestError(`invalid value for "list" query parameter: "${list.slice(0, 40)}"`);
}

/**
 * Maps the HTTP method (and `?list=`) to a logical operation, as Vault does. A LIST never gets
 * here as LIST: the connection shim (list-method-shim.ts) turns it into a GET whose only `list`
 * parameter is its own `list=true`, so it is a list whatever the client's query said.
 */
export function operationOf(ctx: Context): Operation {
  switch (ctx.method) {
    case 'GET':
    case 'HEAD':
      return listQuery(ctx) ? 'list' : 'read';
    case 'POST':
    case 'PUT':
      return 'update';
    case 'DELETE':
      return 'delete';
    case 'PATCH':
      if (ctx.is('application/merge-patch+json') === false) {
        throw new VaultError(415, 'PATCH requires the Content-Type application/merge-patch+json');
      }
      return 'patch';
    default:
      throw new VaultError(405, `unsupported method ${ctx.method}`);
  }
}
