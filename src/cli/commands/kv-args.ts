/**
 * vault's kv-builder: turns `key=value` arguments into request data. `key=@file` reads a file,
 * `key=-` reads stdin, `key=\@x` is the literal "@x", a bare `-` or `@file.json` merges a JSON
 * object, and a repeated key becomes a list.
 */
import { readFileSync } from 'node:fs';

/** Where `-` reads from (stdin, once). */
export type StdinReader = () => Promise<string>;

function readFileText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file or directory' : (err as Error).message;
    throw new Error(`open ${path}: ${reason}`, { cause: err });
  }
}

function mergeJson(target: Record<string, unknown>, text: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error((err as Error).message, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('json: cannot unmarshal non-object into Go value of type map[string]interface {}');
  }
  Object.assign(target, parsed);
}

/** Parses `key=value` arguments into a data map (vault's parseArgsData). */
export async function parseArgsData(
  args: readonly string[],
  readStdin: StdinReader,
): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  let stdinUsed = false;
  const stdinOnce = async (): Promise<string> => {
    if (stdinUsed) throw new Error('stdin already consumed');
    stdinUsed = true;
    return readStdin();
  };
  for (const raw of args) {
    if (raw === '') continue;
    const eq = raw.indexOf('=');
    if (eq < 0) {
      if (raw === '-') {
        mergeJson(result, await stdinOnce());
        continue;
      }
      if (raw.startsWith('@')) {
        mergeJson(result, readFileText(raw.slice(1)));
        continue;
      }
      throw new Error('format must be key=value');
    }
    const key = raw.slice(0, eq);
    let value = raw.slice(eq + 1);
    if (value.startsWith('@')) {
      try {
        value = readFileSync(value.slice(1), 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const reason = code === 'ENOENT' ? 'no such file or directory' : (err as Error).message;
        throw new Error(`error reading file: open ${value.slice(1)}: ${reason}`, { cause: err });
      }
    } else if (value.startsWith('\\@')) {
      value = value.slice(1);
    } else if (value === '-') {
      value = await stdinOnce();
    }
    if (Object.hasOwn(result, key)) {
      const existing = result[key];
      result[key] = [...(Array.isArray(existing) ? (existing as unknown[]) : [existing]), value];
    } else {
      result[key] = value;
    }
  }
  return result;
}

/** vault's parseArgsDataString: the same, with every value as a string (for login methods). */
export async function parseArgsDataString(
  args: readonly string[],
  readStdin: StdinReader,
): Promise<Record<string, string>> {
  const data = await parseArgsData(args, readStdin);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number') out[key] = String(value);
    else if (typeof value === 'boolean') out[key] = value ? '1' : '0';
    else if (value === null) out[key] = '';
    else throw new Error(`failed to convert values to strings: '${key}' expected type 'string'`);
  }
  return out;
}

/** vault's parseArgsDataStringLists: every value as a list of strings (query parameters of read). */
export async function parseArgsDataStringLists(
  args: readonly string[],
  readStdin: StdinReader,
): Promise<Record<string, string[]>> {
  const data = await parseArgsData(args, readStdin);
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(data)) {
    const list = Array.isArray(value) ? (value as unknown[]) : [value];
    out[key] = list.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  }
  return out;
}
