/**
 * Helpers shared by the plain key/value stores (kv v1, cubbyhole) and kv v2's metadata paths:
 * path validation for writes, list prefixes, and decoding a stored secret map.
 */
import { InvalidRequestError } from '../../../helper/errors.js';
import { assertSafePath } from '../../../framework/safe-path.js';

/** Parses a stored JSON map; anything else in storage is a corruption worth failing loudly on. */
export function decodeMap(raw: Buffer): Record<string, unknown> {
  const parsed = JSON.parse(raw.toString('utf8')) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('stored secret is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** Validates a write target: not empty, no "."/".." segments, not a folder. */
export function assertWritablePath(path: string): void {
  if (path === '') throw new InvalidRequestError('missing path');
  assertSafePath(path);
  if (path.endsWith('/'))
    throw new InvalidRequestError(`cannot write to "${path}": a secret path must not end in "/"`);
}

/** The prefix to list for a request path: "" for the root, otherwise the folder with its trailing "/". */
export function listPrefix(path: string): string {
  return path === '' || path.endsWith('/') ? path : `${path}/`;
}
