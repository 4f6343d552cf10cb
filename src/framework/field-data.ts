import { InvalidRequestError } from '../helper/errors.js';
import { parseDurationSeconds } from '../helper/duration.js';
import { parseClientJson } from '../helper/json-depth.js';

export type FieldKind = 'string' | 'int' | 'bool' | 'duration' | 'strings' | 'map' | 'any' | 'kvpairs';

export interface FieldSchema {
  readonly kind: FieldKind;
  readonly description: string;
  readonly default?: unknown;
  readonly required?: boolean;
}

export type FieldSchemas = Readonly<Record<string, FieldSchema>>;

const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False', '']);

function coerce(name: string, kind: FieldKind, raw: unknown): unknown {
  switch (kind) {
    case 'any':
      return raw;
    case 'string':
      if (typeof raw === 'string') return raw;
      if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
      throw new InvalidRequestError(`'${name}' must be a string`);
    case 'int': {
      // Only integers a double holds exactly: 1e308 or 2^53+1 would be stored as something else
      // (a use count that never reaches zero), so they are refused rather than rounded.
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^-?\d+$/.test(raw.trim())
            ? Number(raw.trim())
            : Number.NaN;
      if (Number.isSafeInteger(n)) return n;
      if (Number.isInteger(n))
        throw new InvalidRequestError(
          `'${name}' is out of range: integers must lie within ±${Number.MAX_SAFE_INTEGER}`,
        );
      throw new InvalidRequestError(`'${name}' must be an integer`);
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'number') return raw !== 0;
      if (typeof raw === 'string' && TRUE.has(raw)) return true;
      if (typeof raw === 'string' && FALSE.has(raw)) return false;
      throw new InvalidRequestError(`'${name}' must be a boolean`);
    case 'duration':
      return parseDurationSeconds(raw, name);
    case 'strings':
      if (Array.isArray(raw)) return raw.map((v) => String(v).trim()).filter((v) => v !== '');
      if (typeof raw === 'string')
        return raw
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v !== '');
      throw new InvalidRequestError(`'${name}' must be a list of strings or a comma-separated string`);
    case 'map':
      if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) return raw;
      if (typeof raw === 'string' && raw.trim().startsWith('{')) {
        return parseClientJson(raw, `'${name}' as a JSON object`);
      }
      throw new InvalidRequestError(`'${name}' must be an object`);
    case 'kvpairs': {
      // "k1=v1,k2=v2", ["k1=v1"], or an object
      if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) return raw;
      const items = Array.isArray(raw)
        ? raw.map(String)
        : typeof raw === 'string'
          ? raw.split(',')
          : undefined;
      if (items === undefined) throw new InvalidRequestError(`'${name}' must be key=value pairs`);
      const out: Record<string, string> = {};
      for (const item of items) {
        const i = item.indexOf('=');
        if (i <= 0) throw new InvalidRequestError(`'${name}': "${item}" is not key=value`);
        out[item.slice(0, i).trim()] = item.slice(i + 1).trim();
      }
      return out;
    }
  }
}

/**
 * Request fields validated against a path's schema, with Vault's coercions: durations as seconds
 * or "1h", booleans as strings, lists as arrays or "a,b". Unknown fields are kept in `raw` and
 * reported as warnings by the framework.
 */
export class FieldData {
  private readonly values = new Map<string, unknown>();

  constructor(
    readonly schemas: FieldSchemas,
    readonly raw: Readonly<Record<string, unknown>>,
  ) {
    for (const [name, schema] of Object.entries(schemas)) {
      const v = raw[name];
      if (v === undefined || v === null) {
        if (schema.required === true) throw new InvalidRequestError(`missing required parameter '${name}'`);
        continue;
      }
      this.values.set(name, coerce(name, schema.kind, v));
    }
  }

  /** Whether the client sent this field. */
  has(name: string): boolean {
    return this.values.has(name);
  }

  private get(name: string): unknown {
    if (this.values.has(name)) return this.values.get(name);
    return this.schemas[name]?.default;
  }

  string(name: string): string {
    const v = this.get(name);
    return typeof v === 'string' ? v : '';
  }

  int(name: string): number {
    const v = this.get(name);
    return typeof v === 'number' ? v : 0;
  }

  bool(name: string): boolean {
    return this.get(name) === true;
  }

  duration(name: string): number {
    const v = this.get(name);
    return typeof v === 'number' ? v : typeof v === 'string' ? parseDurationSeconds(v, name) : 0;
  }

  strings(name: string): string[] {
    const v = this.get(name);
    return Array.isArray(v) ? (v as string[]) : [];
  }

  map(name: string): Record<string, unknown> | undefined {
    const v = this.get(name);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  }

  value(name: string): unknown {
    return this.get(name);
  }

  /** Names the client sent that the schema does not know. */
  unknownFields(): string[] {
    return Object.keys(this.raw).filter((k) => !(k in this.schemas));
  }
}
