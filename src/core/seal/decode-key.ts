import { InvalidRequestError } from '../../helper/errors.js';

/**
 * Decodes an unseal key share as Vault does: hex first, then base64. The result must have the
 * expected length, or the share is refused without touching the unseal progress.
 */
export function decodeKeyShare(key: unknown, expectedLength: number): Buffer {
  if (typeof key !== 'string' || key.trim() === '')
    throw new InvalidRequestError("missing required parameter 'key'");
  const text = key.trim();
  let decoded: Buffer | undefined;
  if (/^[0-9a-fA-F]+$/.test(text) && text.length % 2 === 0) decoded = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length % 4 === 0)
    decoded = Buffer.from(text, 'base64');
  if (decoded === undefined) throw new InvalidRequestError("'key' must be a valid hex or base64 string");
  if (decoded.length !== expectedLength) {
    throw new InvalidRequestError(
      `'key' has the wrong length: an unseal key share here is ${expectedLength} bytes (${expectedLength * 2} hex characters), got ${decoded.length}`,
    );
  }
  return decoded;
}
