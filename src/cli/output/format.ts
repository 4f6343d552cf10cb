/**
 * Output as the vault CLI prints it: `-format=table` (Key/Value columns under a `---` rule, lease
 * fields first, then auth, wrap info and data), `-format=json` (the Go structs through
 * json.MarshalIndent), `-format=raw` (the body as received, read only) and `-field=NAME`.
 */
import { GoStruct, goJsonIndent } from './go-json.js';
import {
  columnOutput,
  goQuoteList,
  goValue,
  humanDurationValue,
  looksLikeDuration,
  tableOutput,
  wrapAtLength,
} from './go-text.js';
import type { Ui } from './io.js';
import { type Secret, isObject, secretStruct } from '../client/secret.js';

/** The formats accepted by -format / VAULT_FORMAT. */
export const FORMATS = ['table', 'json', 'raw'] as const;

/** The column delimiter used for secret tables (vault's "hope delimiter"). */
const HOPE = '♨';

/** Raw bytes for -format=raw. */
export class RawBody {
  constructor(readonly text: string) {}
}

/** Prints "WARNING! The following warnings were returned from Vault:" and the warnings, on stderr. */
export function printWarnings(ui: Ui, secret: Secret | null): void {
  const warnings = secret?.warnings ?? [];
  if (warnings.length === 0) return;
  ui.warn('WARNING! The following warnings were returned from Vault:\n');
  for (const warning of warnings) {
    ui.warn(wrapAtLength(`* ${warning}`, 2));
    ui.warn('');
  }
}

function mapRows(data: Record<string, unknown>): string[] {
  return Object.keys(data)
    .sort()
    .map((k) => {
      const v = looksLikeDuration(k) ? humanDurationValue(data[k]) : data[k];
      return `${k} ${HOPE} ${goValue(v)}`;
    });
}

function secretRows(secret: Secret): string[] {
  const out: string[] = [];
  if (secret.lease_duration > 0) {
    if (secret.lease_id !== '') {
      out.push(`lease_id ${HOPE} ${secret.lease_id}`);
      out.push(`lease_duration ${HOPE} ${goValue(humanDurationValue(secret.lease_duration))}`);
      out.push(`lease_renewable ${HOPE} ${String(secret.renewable)}`);
    } else {
      out.push(`refresh_interval ${HOPE} ${goValue(humanDurationValue(secret.lease_duration))}`);
    }
  }
  const auth = secret.auth;
  if (auth !== null) {
    out.push(`token ${HOPE} ${auth.client_token}`);
    out.push(`token_accessor ${HOPE} ${auth.accessor}`);
    const duration = auth.lease_duration === 0 ? '∞' : goValue(humanDurationValue(auth.lease_duration));
    out.push(`token_duration ${HOPE} ${duration}`);
    out.push(`token_renewable ${HOPE} ${String(auth.renewable)}`);
    out.push(`token_policies ${HOPE} ${goQuoteList(auth.token_policies)}`);
    out.push(`identity_policies ${HOPE} ${goQuoteList(auth.identity_policies)}`);
    out.push(`policies ${HOPE} ${goQuoteList(auth.policies)}`);
    for (const [k, v] of Object.entries(auth.metadata ?? {})) out.push(`token_meta_${k} ${HOPE} ${v}`);
  }
  const wrap = secret.wrap_info;
  if (wrap !== null) {
    out.push(`wrapping_token: ${HOPE} ${wrap.token}`);
    out.push(`wrapping_accessor: ${HOPE} ${wrap.accessor}`);
    out.push(`wrapping_token_ttl: ${HOPE} ${goValue(humanDurationValue(wrap.ttl))}`);
    out.push(`wrapping_token_creation_time: ${HOPE} ${goTimeString(wrap.creation_time)}`);
    out.push(`wrapping_token_creation_path: ${HOPE} ${wrap.creation_path}`);
    if (wrap.wrapped_accessor !== '') out.push(`wrapped_accessor: ${HOPE} ${wrap.wrapped_accessor}`);
  }
  return [...out, ...mapRows(secret.data ?? {})];
}

/** Go's time.Time.String() for an RFC 3339 timestamp ("2006-01-02 15:04:05.999999999 +0000 UTC"). */
export function goTimeString(rfc3339: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(rfc3339);
  if (m === null) return rfc3339;
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  const zone =
    m[4] === 'Z' || m[4] === undefined ? '+0000 UTC' : `${m[4].replace(':', '')} ${m[4].replace(':', '')}`;
  return `${m[1] ?? ''} ${m[2] ?? ''}${fraction === '.' ? '' : fraction} ${zone}`;
}

function printTable(ui: Ui, rows: string[]): void {
  if (rows.length === 0) return;
  ui.output(tableOutput([`Key${HOPE}Value`, ...rows], HOPE));
}

/** What can be handed to outputData. */
export type OutputValue = Secret | GoStruct | RawBody | readonly unknown[] | Record<string, unknown>;

function isSecret(value: unknown): value is Secret {
  return (
    isObject(value) &&
    'request_id' in value &&
    'lease_id' in value &&
    'wrap_info' in value &&
    'mount_type' in value
  );
}

function jsonOf(value: unknown): string {
  return goJsonIndent(isSecret(value) ? secretStruct(value) : value);
}

/** vault's outputWithFormat: prints `data` in the UI's format; returns the exit code. */
export function outputWithFormat(ui: Ui, secret: Secret | null, data: OutputValue): number {
  try {
    switch (ui.format) {
      case 'json':
        if (data instanceof RawBody) throw new Error('json: unsupported type: []uint8');
        ui.output(ui.detailed && secret !== null ? jsonOf(secret) : jsonOf(data));
        return 0;
      case 'raw':
        if (!(data instanceof RawBody)) {
          throw new Error('This command does not support the -format=raw option; only `vault read` does.');
        }
        ui.output(data.text);
        return 0;
      case 'table':
        outputTable(ui, secret, data);
        return 0;
      default:
        ui.error(`Invalid output format: ${ui.format}`);
        return 1;
    }
  } catch (err) {
    ui.error(`Could not parse output: ${(err as Error).message}`);
    return 1;
  }
}

function outputTable(ui: Ui, secret: Secret | null, data: OutputValue): void {
  if (isSecret(data)) {
    printWarnings(ui, data);
    printTable(ui, secretRows(data));
    return;
  }
  if (Array.isArray(data)) {
    printWarnings(ui, secret);
    outputListTable(ui, secret, data);
    return;
  }
  if (data instanceof GoStruct || data instanceof RawBody)
    throw new Error('cannot use the table formatter for this type');
  printTable(ui, mapRows(data as Record<string, unknown>));
}

function outputListTable(ui: Ui, secret: Secret | null, list: readonly unknown[]): void {
  if (list.length === 0) return;
  const keys = list.map((v) => {
    if (typeof v !== 'string') throw new Error(`${goValue(v)} is not a string`);
    return v;
  });
  keys.sort();
  const info = secret?.data?.key_info;
  if (!ui.detailed || !isObject(info) || Object.keys(info).length === 0) {
    ui.output(tableOutput(['Keys', ...keys], HOPE));
    return;
  }
  const headers = [...new Set(keys.flatMap((k) => (isObject(info[k]) ? Object.keys(info[k]) : [])))].sort();
  const rows = keys.map((k) => {
    const values = info[k];
    const cells = headers.map((h) => {
      if (!isObject(values) || !(h in values)) return 'n/a';
      return goValue(looksLikeDuration(h) ? humanDurationValue(values[h]) : values[h]);
    });
    return [k, ...cells].join(HOPE);
  });
  ui.output(tableOutput([['Keys', ...headers].join(HOPE), ...rows], HOPE));
}

/** vault's OutputSecret. */
export function outputSecret(ui: Ui, secret: Secret): number {
  return outputWithFormat(ui, secret, secret);
}

/** vault's OutputList: the `keys` of a list response (JSON: the key array). */
export function outputList(ui: Ui, secret: Secret): number {
  const keys = secret.data?.keys;
  return outputWithFormat(ui, secret, Array.isArray(keys) ? (keys as unknown[]) : []);
}

/** vault's OutputData. */
export function outputData(ui: Ui, data: OutputValue): number {
  return outputWithFormat(ui, null, data);
}

/** vault's RawField: a field of a secret by the name its table row has. */
export function rawField(secret: Secret, field: string): unknown {
  const data = secret.data ?? {};
  if (secret.auth !== null) {
    const a = secret.auth;
    const byName: Record<string, unknown> = {
      token: a.client_token,
      token_accessor: a.accessor,
      token_duration: a.lease_duration,
      token_renewable: a.renewable,
      token_policies: a.token_policies,
      identity_policies: a.identity_policies,
      policies: a.policies,
    };
    return field in byName ? byName[field] : data[field];
  }
  if (secret.wrap_info !== null) {
    const w = secret.wrap_info;
    const byName: Record<string, unknown> = {
      wrapping_token: w.token,
      wrapping_accessor: w.accessor,
      wrapping_token_ttl: w.ttl,
      wrapping_token_creation_time: w.creation_time,
      wrapping_token_creation_path: w.creation_path,
      wrapped_accessor: w.wrapped_accessor,
    };
    return field in byName ? byName[field] : data[field];
  }
  switch (field) {
    case 'lease_duration':
    case 'refresh_interval':
      return secret.lease_duration;
    case 'lease_id':
      return secret.lease_id;
    case 'request_id':
      return secret.request_id;
    case 'renewable':
      return secret.renewable;
    case 'data':
      return 'data' in data ? data.data : data;
    default:
      return data[field];
  }
}

/** vault's PrintRawField: one field, bare (no trailing newline unless stdout is a terminal). */
export function printRawField(ui: Ui, source: Secret | Record<string, unknown>, field: string): number {
  const value = isSecret(source) ? rawField(source, field) : source[field];
  if (value === undefined || value === null) {
    ui.error(`Field "${field}" not present in secret`);
    return 1;
  }
  if (ui.format === 'table' || ui.format === 'raw' || ui.format === '') {
    ui.raw(goValue(value));
    return 0;
  }
  if (ui.format !== 'json') {
    ui.error(`Invalid output format: ${ui.format}`);
    return 1;
  }
  ui.raw(goJsonIndent(value));
  return 0;
}

/** `-field=NAME` (when `field` is not "") prints one field of the secret, else the whole secret. */
export function outputSecretOrField(ui: Ui, secret: Secret, field: string): number {
  return field !== '' ? printRawField(ui, secret, field) : outputSecret(ui, secret);
}

/** vault's columnOutput for a `Key | Value` list without header (key-status and similar). */
export function printColumns(ui: Ui, rows: readonly string[]): void {
  ui.output(columnOutput(rows));
}
