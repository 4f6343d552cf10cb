import { parseDurationMs as parseMs } from '../../helper/duration.js';
import { InvalidRequestError } from '../../helper/errors.js';
import type { ConsulClientOptions } from './client.js';

/**
 * `storage "consul"` as written in the config file: Vault's keys (values may be strings, as HCL
 * gives them) plus tresor's own `lock_delay` and `check_ttl`. The registration keys (`service`,
 * `service_tags`, ...) are accepted and left to service registration.
 */
export interface ConsulBackendConfig {
  readonly address?: string;
  readonly scheme?: string;
  /** KV prefix, default "vault/". */
  readonly path?: string;
  readonly token?: string;
  /** Session TTL, default 10s (Consul's `session_ttl_min`). */
  readonly session_ttl?: string | number;
  /** Longest wait of one blocking query, default 15s. */
  readonly lock_wait_time?: string | number;
  readonly max_parallel?: string | number;
  readonly consistency_mode?: string;
  readonly tls_ca_file?: string;
  readonly tls_cert_file?: string;
  readonly tls_key_file?: string;
  readonly tls_skip_verify?: string | boolean;
  readonly tls_min_version?: string;
  /** Consul lock-delay of the lock session, default 250ms (Vault: 15s). */
  readonly lock_delay?: string | number;
  /** TTL of the health check the lock session is bound to, default 1500ms; passed every fifth of it. */
  readonly check_ttl?: string | number;
}

/** Parsed and checked settings of a ConsulBackend. */
export interface ConsulSettings {
  readonly client: ConsulClientOptions;
  /** KV prefix: no leading slash, ends in "/". */
  readonly prefix: string;
  readonly sessionTtlMs: number;
  readonly lockWaitMs: number;
  readonly lockDelayMs: number;
  readonly checkTtlMs: number;
}

const STORAGE_KEYS = new Set([
  'address',
  'scheme',
  'path',
  'token',
  'session_ttl',
  'lock_wait_time',
  'max_parallel',
  'consistency_mode',
  'tls_ca_file',
  'tls_cert_file',
  'tls_key_file',
  'tls_skip_verify',
  'tls_min_version',
  'lock_delay',
  'check_ttl',
]);

/** Keys of Vault's consul storage stanza that configure service registration, not storage. */
const REGISTRATION_KEYS = new Set([
  'service',
  'service_tags',
  'service_address',
  'disable_registration',
  'check_timeout',
]);

const TLS_VERSIONS: Readonly<Record<string, 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'>> = {
  tls10: 'TLSv1',
  tls11: 'TLSv1.1',
  tls12: 'TLSv1.2',
  tls13: 'TLSv1.3',
};

/** Checks a `storage "consul"` stanza and fills in the defaults. Errors name the offending key. */
export function parseConsulConfig(config: ConsulBackendConfig): ConsulSettings {
  for (const key of Object.keys(config)) {
    if (!STORAGE_KEYS.has(key) && !REGISTRATION_KEYS.has(key)) {
      throw new InvalidRequestError(`storage "consul": unknown key "${key}"`);
    }
  }
  const consistency = config.consistency_mode ?? 'default';
  if (consistency !== 'default' && consistency !== 'strong') {
    throw new InvalidRequestError(
      `storage "consul": consistency_mode must be "default" or "strong", not "${consistency}"`,
    );
  }
  const maxParallel = parseCount(config.max_parallel ?? 128, 'max_parallel');
  const tlsMinVersion =
    config.tls_min_version === undefined ? undefined : TLS_VERSIONS[config.tls_min_version];
  if (config.tls_min_version !== undefined && tlsMinVersion === undefined) {
    throw new InvalidRequestError(
      `storage "consul": tls_min_version must be one of tls10, tls11, tls12, tls13`,
    );
  }
  const client: ConsulClientOptions = {
    ...(config.address === undefined ? {} : { address: config.address }),
    ...(config.scheme === undefined ? {} : { scheme: config.scheme }),
    ...(config.token === undefined ? {} : { token: config.token }),
    ...(config.tls_ca_file === undefined ? {} : { tlsCaFile: config.tls_ca_file }),
    ...(config.tls_cert_file === undefined ? {} : { tlsCertFile: config.tls_cert_file }),
    ...(config.tls_key_file === undefined ? {} : { tlsKeyFile: config.tls_key_file }),
    ...(tlsMinVersion === undefined ? {} : { tlsMinVersion }),
    tlsSkipVerify: parseBool(config.tls_skip_verify ?? false, 'tls_skip_verify'),
    consistencyMode: consistency,
    maxParallel,
  };
  const settings: ConsulSettings = {
    client,
    prefix: normalizePrefix(config.path ?? 'vault/'),
    sessionTtlMs: parseDurationMs(config.session_ttl ?? '10s', 'session_ttl'),
    lockWaitMs: parseDurationMs(config.lock_wait_time ?? '15s', 'lock_wait_time'),
    lockDelayMs: parseDurationMs(config.lock_delay ?? '250ms', 'lock_delay'),
    checkTtlMs: parseDurationMs(config.check_ttl ?? '1500ms', 'check_ttl'),
  };
  if (settings.sessionTtlMs < 1000)
    throw new InvalidRequestError('storage "consul": session_ttl must be at least 1s');
  if (settings.checkTtlMs < 100)
    throw new InvalidRequestError('storage "consul": check_ttl must be at least 100ms');
  if (settings.lockWaitMs < 1000)
    throw new InvalidRequestError('storage "consul": lock_wait_time must be at least 1s');
  if (settings.lockDelayMs > 60_000)
    throw new InvalidRequestError('storage "consul": lock_delay must be at most 60s');
  return settings;
}

/** Vault's rule: leading slash stripped, trailing slash appended. */
export function normalizePrefix(path: string): string {
  let p = path.replace(/^\/+/, '');
  if (p !== '' && !p.endsWith('/')) p += '/';
  return p;
}


/** A Go-style duration ("500ms", "1.5s", "1m30s") or a number of seconds, in milliseconds. */
export function parseDurationMs(value: string | number, key: string): number {
  try {
    return parseMs(value, key);
  } catch {
    throw new InvalidRequestError(`storage "consul": ${key} is not a duration: "${String(value)}" (use e.g. "500ms", "15s")`);
  }
}

function parseCount(value: string | number, key: string): number {
  const n =
    typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number.parseInt(value, 10) : Number.NaN;
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidRequestError(`storage "consul": ${key} must be a positive integer`);
  return n;
}

function parseBool(value: string | boolean, key: string): boolean {
  if (typeof value === 'boolean') return value;
  if (/^(true|1|t)$/i.test(value)) return true;
  if (/^(false|0|f|)$/i.test(value)) return false;
  throw new InvalidRequestError(`storage "consul": ${key} must be true or false`);
}
