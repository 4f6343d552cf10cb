import { parse } from '@cdktf/hcl2json';
import { InvalidRequestError } from './errors.js';
import { jsonDepth, MAX_JSON_DEPTH } from './json-depth.js';

/**
 * Parses HCL (or JSON, which HCL accepts) into plain JSON. Blocks become maps of arrays:
 * `listener "tcp" { a = 1 }` → `{ listener: { tcp: [{ a: 1 }] } }`. A syntax error becomes an
 * InvalidRequestError naming the file, line and column. Nesting deeper than MAX_JSON_DEPTH (counted
 * over braces and brackets outside quoted strings) is refused before the parser can exhaust the stack.
 */
export async function parseHcl(text: string, filename: string): Promise<Record<string, unknown>> {
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw new InvalidRequestError(
      `failed to parse ${filename}: blocks and values nest deeper than the limit of ${MAX_JSON_DEPTH} levels`,
    );
  }
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'object' && value !== null && !Array.isArray(value))
        return value as Record<string, unknown>;
    } catch (err) {
      throw new InvalidRequestError(`${filename}: invalid JSON: ${(err as Error).message}`);
    }
    throw new InvalidRequestError(`${filename}: expected a JSON object at the top level`);
  }
  try {
    return (await parse(filename, text)) as Record<string, unknown>;
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err);
    // hcl2json reports "parse config: [file:line,col-col: Summary; Detail.]"
    const detail = raw.replace(/^parse config: \[/, '').replace(/\]$/, '');
    throw new InvalidRequestError(`failed to parse ${detail}`);
  }
}
