import type { LogicalResponse } from './types.js';

/**
 * The answer of an operation other than read or list whose target does not exist (a patch of a
 * missing key): 404 `{"errors":[]}`, as Vault's `RespondWithStatusCode(nil, req, 404)`. A read or
 * list returns `undefined` instead (see LogicalResponse in ./types.ts).
 */
export function notFound(): LogicalResponse {
  return { statusCode: 404 };
}

/** Whether a response is a bare not-found (a 404 with nothing to say), answered `{"errors":[]}`. */
export function isNotFound(r: LogicalResponse | undefined): boolean {
  return (
    r?.statusCode === 404 &&
    r.data == null &&
    (r.warnings?.length ?? 0) === 0 &&
    r.auth === undefined &&
    r.secret === undefined
  );
}
