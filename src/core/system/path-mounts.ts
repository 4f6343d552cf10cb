import type { PathSpec } from '../../framework/backend.js';
import { rest } from '../../framework/backend.js';
import type { FieldData } from '../../framework/field-data.js';
import { InvalidRequestError } from '../../helper/errors.js';
import { parseDurationSeconds } from '../../helper/duration.js';
import type { MountConfig } from '../routing/mount-entry.js';
import { mountEntryJson } from '../routing/mount-entry.js';
import type { SystemDeps } from './deps.js';

function parseConfig(raw: Record<string, unknown> | undefined): Partial<MountConfig> {
  if (raw === undefined) return {};
  const out: Partial<MountConfig> = {};
  for (const [k, v] of Object.entries(raw)) {
    switch (k) {
      case 'default_lease_ttl':
      case 'max_lease_ttl':
        out[k] = v === 'system' || v === '' ? 0 : parseDurationSeconds(v, `config.${k}`);
        break;
      case 'force_no_cache':
        if (typeof v !== 'boolean') throw new InvalidRequestError('config.force_no_cache must be a boolean');
        out.force_no_cache = v;
        break;
      case 'listing_visibility':
      case 'token_type':
        if (typeof v !== 'string') throw new InvalidRequestError(`config.${k} must be a string`);
        out[k] = v;
        break;
      case 'audit_non_hmac_request_keys':
      case 'audit_non_hmac_response_keys':
      case 'passthrough_request_headers':
        if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
          throw new InvalidRequestError(`config.${k} must be a list of strings`);
        out[k] = v;
        break;
      case 'user_lockout_config':
        out.user_lockout_config = parseLockout(v);
        break;
      case 'plugin_name':
      case 'allowed_response_headers':
      case 'options':
        break;
      default:
        throw new InvalidRequestError(`unknown mount config key "${k}"`);
    }
  }
  if (
    out.default_lease_ttl !== undefined &&
    out.max_lease_ttl !== undefined &&
    out.max_lease_ttl > 0 &&
    out.default_lease_ttl > out.max_lease_ttl
  ) {
    throw new InvalidRequestError('config.default_lease_ttl cannot be larger than config.max_lease_ttl');
  }
  return out;
}

function parseLockout(v: unknown): NonNullable<MountConfig['user_lockout_config']> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new InvalidRequestError('config.user_lockout_config must be an object');
  const out: NonNullable<MountConfig['user_lockout_config']> = {};
  for (const [k, raw] of Object.entries(v as Record<string, unknown>)) {
    switch (k) {
      case 'lockout_threshold':
        if (typeof raw !== 'number' && typeof raw !== 'string')
          throw new InvalidRequestError(`user_lockout_config.${k} must be a number`);
        out.lockout_threshold = Number.parseInt(String(raw), 10);
        if (!Number.isInteger(out.lockout_threshold) || out.lockout_threshold < 1)
          throw new InvalidRequestError(`user_lockout_config.${k} must be a positive integer`);
        break;
      case 'lockout_duration':
      case 'lockout_counter_reset':
      case 'lockout_counter_reset_duration':
        out[k === 'lockout_duration' ? 'lockout_duration' : 'lockout_counter_reset'] = parseDurationSeconds(
          raw,
          `user_lockout_config.${k}`,
        );
        break;
      case 'lockout_disable':
        if (typeof raw !== 'boolean')
          throw new InvalidRequestError(`user_lockout_config.${k} must be a boolean`);
        out.lockout_disable = raw;
        break;
      default:
        throw new InvalidRequestError(`unknown user_lockout_config key "${k}"`);
    }
  }
  return out;
}

/** Engine and device options: string → string (numbers and booleans as their text). */
export function parseOptions(raw: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else throw new InvalidRequestError(`options.${k} must be a string`);
  }
  return out;
}

const mountFields = {
  path: { kind: 'string', description: 'Mount path.' },
  type: { kind: 'string', description: 'Engine type.' },
  description: { kind: 'string', description: 'Human-friendly description.' },
  config: { kind: 'map', description: 'Lease and audit configuration.' },
  options: { kind: 'map', description: 'Engine options, such as version for kv.' },
  local: { kind: 'bool', description: 'Not replicated.' },
  seal_wrap: { kind: 'bool', description: 'Seal-wrap values.' },
  plugin_name: { kind: 'string', description: 'Deprecated alias of type.' },
  plugin_version: { kind: 'string', description: 'Plugin version.' },
  external_entropy_access: { kind: 'bool', description: 'Unused.' },
} as const;

/** sys/mounts and sys/auth: list, enable, read one, disable, tune. */
export function mountPaths(d: SystemDeps, table: 'mounts' | 'auth'): PathSpec[] {
  const name = table;
  const list = (): Promise<{ data: Record<string, unknown>; topLevel: true }> => {
    const data: Record<string, unknown> = {};
    for (const e of d.mounts.list(table)) data[e.path] = mountEntryJson(e);
    return Promise.resolve({ data, topLevel: true });
  };
  const enable = async (_req: unknown, f: FieldData): Promise<undefined> => {
    const type = f.string('type') || f.string('plugin_name');
    if (type === '') throw new InvalidRequestError("missing required parameter 'type'");
    await d.mounts.mount({
      table,
      path: f.string('path'),
      type,
      description: f.string('description'),
      config: parseConfig(f.map('config')),
      options: parseOptions(f.map('options')),
      local: f.bool('local'),
      sealWrap: f.bool('seal_wrap'),
    });
    return undefined;
  };
  const readOne = (
    _req: unknown,
    f: FieldData,
  ): Promise<{ data: Record<string, unknown>; topLevel: true } | undefined> => {
    const e = d.mounts.find(table, f.string('path'));
    return Promise.resolve(
      e === undefined ? undefined : { data: mountEntryJson(e), topLevel: true as const },
    );
  };
  // sys/mounts/auth/<path>/tune reaches the auth table, as Vault's CLI uses it for `auth tune`.
  const tuneTarget = (raw: string): { table: 'mounts' | 'auth'; path: string } =>
    table === 'mounts' && raw.startsWith('auth/')
      ? { table: 'auth', path: raw.slice('auth/'.length) }
      : { table, path: raw };
  const tuneRead = (
    _req: unknown,
    f: FieldData,
  ): Promise<{ data: Record<string, unknown>; topLevel: true }> => {
    const target = tuneTarget(f.string('path'));
    const e = d.mounts.find(target.table, target.path);
    if (e === undefined) throw new InvalidRequestError(`cannot fetch sysview for path "${f.string('path')}"`);
    const data: Record<string, unknown> = {
      default_lease_ttl: e.config.default_lease_ttl || d.systemTtls.defaultLeaseTtl,
      max_lease_ttl: e.config.max_lease_ttl || d.systemTtls.maxLeaseTtl,
      force_no_cache: e.config.force_no_cache,
      description: e.description,
    };
    if (Object.keys(e.options).length > 0) data.options = e.options;
    if (e.config.token_type !== undefined) data.token_type = e.config.token_type;
    return Promise.resolve({ data, topLevel: true });
  };
  const tuneWrite = async (req: { data: Record<string, unknown> }, f: FieldData): Promise<undefined> => {
    const config: Record<string, unknown> = {};
    for (const k of [
      'default_lease_ttl',
      'max_lease_ttl',
      'user_lockout_config',
      'listing_visibility',
      'token_type',
      'audit_non_hmac_request_keys',
      'audit_non_hmac_response_keys',
      'passthrough_request_headers',
    ]) {
      if (req.data[k] !== undefined) config[k] = req.data[k];
    }
    const description = req.data.description;
    const target = tuneTarget(f.string('path'));
    await d.mounts.tune(target.table, target.path, {
      config: parseConfig(config),
      ...(typeof description === 'string' ? { description } : {}),
      options: parseOptions(f.map('options')),
    });
    return undefined;
  };
  const disable = async (_req: unknown, f: FieldData): Promise<undefined> => {
    await d.mounts.unmount(table, f.string('path'));
    return undefined;
  };
  const tuneFields = {
    path: { kind: 'string', description: 'Mount path.' },
    options: { kind: 'map', description: 'Engine options.' },
    description: { kind: 'string', description: 'Description.' },
    default_lease_ttl: { kind: 'any', description: 'Default lease TTL.' },
    max_lease_ttl: { kind: 'any', description: 'Max lease TTL.' },
  } as const;
  return [
    { pattern: `^${name}/?$`, fields: {}, operations: { read: list }, synopsis: `List ${table}.` },
    {
      pattern: `^${name}/${rest('path')}/tune/?$`,
      fields: tuneFields,
      operations: { read: tuneRead, update: tuneWrite },
      synopsis: 'Tune a mount.',
    },
    {
      pattern: `^${name}/${rest('path')}$`,
      fields: mountFields,
      operations: { read: readOne, update: enable, delete: disable },
      synopsis: 'Enable or disable a mount.',
    },
  ] as PathSpec[];
}
