import type { Context } from 'koa';
import type { Operation } from '../logical/types.js';
import { InvalidRequestError, VaultError } from '../helper/errors.js';

const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/** Maps the HTTP method (and `?list=`) to a logical operation, as Vault does. */
export function operationOf(ctx: Context): Operation {
  const rawList = ctx.query.list;
  const list = Array.isArray(rawList) ? rawList[0] : rawList;
  let isList = false;
  if (list !== undefined) {
    if (TRUE.has(list)) isList = true;
    else if (!FALSE.has(list)) throw new InvalidRequestError(`invalid value for "list" query parameter: "${list}"`);
  }
  switch (ctx.method) {
    case 'GET':
    case 'HEAD':
      return isList ? 'list' : 'read';
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
