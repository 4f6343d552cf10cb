/**
 * JSON the way the vault CLI prints it: Go's json.MarshalIndent with two spaces, map keys sorted,
 * struct fields in declaration order, and `<`, `>`, `&`, U+2028, U+2029 escaped.
 */

/**
 * A Go struct: its fields keep their declared order. A field whose value is `undefined` is left
 * out (the `omitempty` case); `null` is printed.
 */
export class GoStruct {
  constructor(readonly fields: readonly (readonly [string, unknown])[]) {}

  /** The value of one field, if present. */
  get(name: string): unknown {
    return this.fields.find(([key]) => key === name)?.[1];
  }
}

/** A struct field that Go would omit when empty (`omitempty`): undefined for "", 0, false, null, [] and {}. */
export function omitEmpty(value: unknown): unknown {
  if (value === '' || value === 0 || value === false || value === null || value === undefined)
    return undefined;
  if (Array.isArray(value) && value.length === 0) return undefined;
  if (typeof value === 'object' && !(value instanceof GoStruct) && Object.keys(value).length === 0)
    return undefined;
  return value;
}

function quote(text: string): string {
  return JSON.stringify(text)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function encodeEntries(entries: readonly (readonly [string, unknown])[], indent: string): string {
  const shown = entries.filter(([, v]) => v !== undefined);
  if (shown.length === 0) return '{}';
  const inner = indent + '  ';
  const body = shown.map(([k, v]) => `${inner}${quote(k)}: ${encode(v, inner)}`).join(',\n');
  return `{\n${body}\n${indent}}`;
}

function encode(value: unknown, indent: string): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`json: unsupported value: ${String(value)}`);
    return JSON.stringify(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof GoStruct) return encodeEntries(value.fields, indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const inner = indent + '  ';
    return `[\n${value.map((v: unknown) => inner + encode(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return encodeEntries(
      keys.map((k) => [k, record[k] === undefined ? null : record[k]] as const),
      indent,
    );
  }
  throw new Error(`json: unsupported type: ${typeof value}`);
}

/** Go's json.MarshalIndent(value, "", "  "). */
export function goJsonIndent(value: unknown): string {
  return encode(value, '');
}
