import type { LogicalResponse } from '../logical/types.js';

/**
 * The response to a LIST: `{ keys }` with folders ending in "/", or `undefined` when there is
 * nothing to list, which the HTTP layer answers with 404 `{"errors":[]}` as Vault does.
 */
export function listResponse(keys: readonly string[]): LogicalResponse | undefined {
  if (keys.length === 0) return undefined;
  return { data: { keys: [...keys] } };
}
