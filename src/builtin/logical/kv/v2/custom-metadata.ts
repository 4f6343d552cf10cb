/**
 * custom_metadata: user key/value strings kept on a secret's metadata, with Vault's limits
 * (at most 64 keys, keys 1–128 bytes, values 1–512 bytes, printable characters only).
 */
import { InvalidRequestError } from '../../../../helper/errors.js';

export const MAX_CUSTOM_METADATA_KEYS = 64;
export const MAX_CUSTOM_METADATA_KEY_BYTES = 128;
export const MAX_CUSTOM_METADATA_VALUE_BYTES = 512;

const PREFIX = 'custom_metadata validation failed';
// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;

/** Go's go-multierror text, which Vault returns for a list of validation failures. */
function multiError(errors: readonly string[]): string {
  const head = errors.length === 1 ? '1 error occurred:' : `${errors.length} errors occurred:`;
  return `${head}\n${errors.map((e) => `\t* ${e}`).join('\n')}\n\n`;
}

/** Converts one value the way Vault's weak decoding does; objects and arrays are refused. */
function asString(key: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (value === null || value === undefined) return '';
  throw new InvalidRequestError(`${PREFIX}: value for key "${key}" must be a string`);
}

/**
 * Turns a request's custom_metadata into string pairs. With `keepNulls` (PATCH), null values are
 * kept as null: they remove the key in the merge patch.
 */
export function parseCustomMetadata(
  raw: Readonly<Record<string, unknown>>,
  keepNulls: boolean,
): Record<string, string | null> {
  return Object.fromEntries(
    Object.entries(raw).map(([key, value]) => [
      key,
      keepNulls && value === null ? null : asString(key, value),
    ]),
  );
}

/** Throws a 400 listing every violation of the limits (one message when there are too many keys). */
export function validateCustomMetadata(pairs: Readonly<Record<string, string | null>>): void {
  const entries = Object.entries(pairs).filter((e): e is [string, string] => e[1] !== null);
  if (entries.length > MAX_CUSTOM_METADATA_KEYS) {
    throw new InvalidRequestError(
      multiError([
        `${PREFIX}: payload must contain at most ${MAX_CUSTOM_METADATA_KEYS} keys, provided ${entries.length}`,
      ]),
    );
  }
  const errors: string[] = [];
  for (const [key, value] of entries) {
    const keyBytes = Buffer.byteLength(key, 'utf8');
    if (keyBytes === 0 || keyBytes > MAX_CUSTOM_METADATA_KEY_BYTES) {
      errors.push(
        `${PREFIX}: length of key ${JSON.stringify(key)} is ${keyBytes} but must be 0 < len(key) <= ${MAX_CUSTOM_METADATA_KEY_BYTES}`,
      );
    }
    const valueBytes = Buffer.byteLength(value, 'utf8');
    if (valueBytes === 0 || valueBytes > MAX_CUSTOM_METADATA_VALUE_BYTES) {
      errors.push(
        `${PREFIX}: length of value for key ${JSON.stringify(key)} is ${valueBytes} but must be 0 < len(value) <= ${MAX_CUSTOM_METADATA_VALUE_BYTES}`,
      );
    }
    if (!PRINTABLE.test(key))
      errors.push(`${PREFIX}: key ${JSON.stringify(key)} contains unprintable characters`);
    if (!PRINTABLE.test(value))
      errors.push(`${PREFIX}: value for key ${JSON.stringify(key)} contains unprintable characters`);
  }
  if (errors.length > 0) throw new InvalidRequestError(multiError(errors));
}
