import { InvalidRequestError } from '../../../helper/errors.js';

/**
 * Parses a secret ID's `metadata` as Vault does (strutil.ParseArbitraryKeyValues): a JSON object
 * of string values, given as a JSON string (what the CLI and hvac send) or as an object, or
 * "k1=v1,k2=v2". Absent or "" → no metadata. Anything else is a 400 naming the field.
 */
export function parseSecretIdMetadata(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  let value: unknown = raw;
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text === '') return {};
    if (text.startsWith('{')) {
      try {
        value = JSON.parse(text) as unknown;
      } catch {
        throw new InvalidRequestError("failed to parse metadata: 'metadata' is not valid JSON");
      }
    } else {
      return keyValuePairs(text);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError("failed to parse metadata: 'metadata' must be a JSON object of strings");
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    assertKey(k);
    if (typeof v !== 'string')
      throw new InvalidRequestError(`failed to parse metadata: value of key "${k}" must be a string`);
    out[k] = v;
  }
  return out;
}

function keyValuePairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of text.split(',')) {
    const i = item.indexOf('=');
    if (i <= 0) throw new InvalidRequestError(`failed to parse metadata: "${item.trim()}" is not key=value`);
    const k = item.slice(0, i).trim();
    assertKey(k);
    out[k] = item.slice(i + 1).trim();
  }
  return out;
}

function assertKey(k: string): void {
  if (k === '' || k === '__proto__')
    throw new InvalidRequestError(`failed to parse metadata: invalid key "${k}"`);
}
