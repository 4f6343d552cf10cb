import { InvalidRequestError } from '../../helper/errors.js';
import { parseGoBool } from '../../helper/go/parse-bool.js';
import type { EntryOptions } from './audit-entry.js';

/** One enabled audit device as the table keeps it (in the barrier, at STORAGE_KEYS.auditTable). */
export interface AuditTableEntry {
  /** With a trailing "/". */
  readonly path: string;
  readonly type: string;
  readonly description: string;
  /** As given: string → string. */
  readonly options: Readonly<Record<string, string>>;
  readonly local: boolean;
  /** Names the device's storage (its salt) below STORAGE_KEYS.auditDevices. */
  readonly uuid: string;
  readonly accessor: string;
}

/** The options every device type takes; the device checks the rest. */
export const COMMON_OPTIONS: ReadonlySet<string> = new Set([
  'format',
  'prefix',
  'hmac_accessor',
  'log_raw',
  'elide_list_responses',
  'skip_test',
  'chain',
]);

/** A device path as the table keys it: trailing "/", no leading one; empty is refused. */
export function normalizeAuditPath(raw: string): string {
  const path = raw.replace(/^\/+/, '').replace(/\/*$/, '/');
  if (path === '/') throw new InvalidRequestError('backend path must be specified');
  return path;
}

/** A path that is, or lies inside or around, an enabled device's path is taken. */
export function assertPathFree(table: readonly AuditTableEntry[], path: string): void {
  if (table.some((e) => e.path.startsWith(path) || path.startsWith(e.path)))
    throw new InvalidRequestError('path already in use');
}

function boolOption(options: Readonly<Record<string, string>>, key: string, fallback: boolean): boolean {
  const raw = options[key];
  if (raw === undefined || raw === '') return fallback;
  const value = parseGoBool(raw);
  if (value === undefined) throw new InvalidRequestError(`unable to parse ${key}: "${raw}" is not a boolean`);
  return value;
}

/**
 * Checks the options every device takes and says how entries are rendered. `format` is json
 * (jsonx, Vault's XML rendering, is not offered); `prefix` is refused, as in Vault since 1.20.1
 * without `allow_audit_log_prefixing`.
 */
export function entryOptions(
  options: Readonly<Record<string, string>>,
): EntryOptions & { skipTest: boolean; chain: boolean } {
  const format = options.format ?? 'json';
  if (format === 'jsonx') throw new InvalidRequestError('the jsonx format is not supported; use "json"');
  if (format !== 'json' && format !== '') throw new InvalidRequestError(`unknown format type "${format}"`);
  if ((options.prefix ?? '') !== '') throw new InvalidRequestError('audit log prefixing is not allowed');
  return {
    hmacAccessor: boolOption(options, 'hmac_accessor', true),
    logRaw: boolOption(options, 'log_raw', false),
    elideListResponses: boolOption(options, 'elide_list_responses', false),
    skipTest: boolOption(options, 'skip_test', false),
    chain: boolOption(options, 'chain', false),
  };
}

/** Reads a stored table; a malformed one is a storage fault, not a client mistake. */
export function parseAuditTable(raw: Buffer | undefined): AuditTableEntry[] {
  if (raw === undefined) return [];
  const parsed = JSON.parse(raw.toString('utf8')) as { entries?: AuditTableEntry[] };
  return Array.isArray(parsed.entries) ? parsed.entries : [];
}

export function encodeAuditTable(entries: readonly AuditTableEntry[]): Buffer {
  return Buffer.from(JSON.stringify({ entries }), 'utf8');
}

/** `GET sys/audit`'s view of one device. */
export function auditEntryJson(e: AuditTableEntry): Record<string, unknown> {
  return { type: e.type, description: e.description, options: e.options, local: e.local, path: e.path };
}
