import Joi from 'joi';
import { isIP } from 'node:net';
import { formatDuration, parseDurationMs, parseDurationSeconds } from '../helper/duration.js';

/**
 * joi schemas for the bodies of Vault's configuration blocks and for the top-level keys. They
 * accept Vault's HCL quirks (booleans as "true"/1/"1", numbers as strings, durations as seconds or
 * "1h30m") and convert them: the validated value holds booleans, numbers and seconds. Defaults of
 * block keys live here; top-level keys get theirs after files are merged (load.ts).
 */

/** Options for every validation: all problems at once, messages without the key (we add the path). */
export const VALIDATION_OPTIONS: Joi.ValidationOptions = {
  abortEarly: false,
  convert: true,
  errors: { wrap: { label: false, array: false } },
  messages: {
    'any.custom': '{#error.message}',
    'any.only': 'must be one of {#valids}',
    'any.required': 'is required',
    'boolean.base': 'must be a boolean',
    'number.base': 'must be a number',
    'number.integer': 'must be an integer',
    'number.min': 'must be at least {#limit}',
    'object.base': 'must be a block (an object)',
    'string.base': 'must be a string',
    'string.empty': 'must not be empty',
    'string.min': 'must not be empty',
    'array.base': 'must be a list',
    'alternatives.types': 'must be a string or a list of strings',
  },
};

/** A boolean the way Vault reads one: true/false, "true"/"false", 1/0, "1"/"0", "t"/"f". */
export const vaultBoolean = (): Joi.BooleanSchema =>
  Joi.boolean().truthy(1, '1', 't', 'T').falsy(0, '0', 'f', 'F');

/** Bounds of a duration, in seconds. `orZero`: 0 is allowed even below `min` (it means "off"). */
export interface DurationBounds {
  readonly min?: number;
  readonly max?: number;
  readonly orZero?: boolean;
}

/** A duration, as seconds or a Go duration string ("90s", "1h30m"), converted to whole seconds. */
export function duration(bounds: DurationBounds = {}): Joi.AnySchema<number> {
  return Joi.any().custom((value: unknown) => {
    if (typeof value === 'string' && /\d\s*(?:ns|us|µs|ms)/.test(value)) {
      throw new Error(`invalid duration "${value}": durations have a precision of whole seconds`);
    }
    let seconds: number;
    try {
      seconds = parseDurationSeconds(value);
    } catch {
      throw new Error(
        `must be a duration such as "30s", "1h30m" or a number of seconds (got ${JSON.stringify(value)})`,
      );
    }
    const zeroOk = bounds.orZero === true && seconds === 0;
    if (!zeroOk && bounds.min !== undefined && seconds < bounds.min) {
      throw new Error(
        `must be at least ${formatDuration(bounds.min)}${bounds.orZero === true ? ' (or 0 to disable)' : ''}`,
      );
    }
    if (bounds.max !== undefined && seconds > bounds.max) {
      throw new Error(`must be at most ${formatDuration(bounds.max)}`);
    }
    return seconds;
  }) as Joi.AnySchema<number>;
}

/** A duration in milliseconds ("250ms", "1.5s", or seconds as a number): for tresor's fast HA timings. */
export function durationMs(bounds: { min?: number; max?: number } = {}): Joi.AnySchema<number> {
  return Joi.any().custom((value: unknown) => {
    let ms: number;
    try {
      ms = parseDurationMs(value);
    } catch {
      throw new Error(
        `must be a duration such as "250ms", "1.5s" or a number of seconds (got ${JSON.stringify(value)})`,
      );
    }
    if (bounds.min !== undefined && ms < bounds.min) throw new Error(`must be at least ${bounds.min}ms`);
    if (bounds.max !== undefined && ms > bounds.max) throw new Error(`must be at most ${bounds.max}ms`);
    return ms;
  }) as Joi.AnySchema<number>;
}

const HOSTNAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

/** Splits "host:port", "[v6]:port" or ":port"; undefined when it is not such an address. */
export function parseHostPort(value: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  if (m === null) return undefined;
  const v6 = m[1];
  const host = v6 ?? m[2] ?? '';
  const port = Number.parseInt(m[3] ?? '', 10);
  if (port > 65535) return undefined;
  if (v6 !== undefined && isIP(v6) !== 6) return undefined;
  if (v6 === undefined && host !== '' && isIP(host) !== 4 && !HOSTNAME.test(host)) return undefined;
  return { host, port };
}

/** "host:port" (IPv6 in brackets). Port 0 (any free port) only where `allowPortZero`. */
export function hostPort(allowPortZero = false): Joi.StringSchema {
  return Joi.string().custom((value: string) => {
    const parsed = parseHostPort(value);
    if (parsed === undefined || (parsed.port === 0 && !allowPortZero)) {
      throw new Error(
        `invalid address "${value}": expected host:port such as "127.0.0.1:8200" or "[::1]:8200"`,
      );
    }
    return value;
  });
}

/** A Consul agent address: "host:port", optionally with http:// or https://, or "unix:///path". */
export const consulAddress = (): Joi.StringSchema =>
  Joi.string().custom((value: string) => {
    if (/^unix:\/\/.+/.test(value)) return value;
    const bare = value.replace(/^https?:\/\//, '');
    if (parseHostPort(bare) === undefined) {
      throw new Error(
        `invalid address "${value}": expected host:port such as "127.0.0.1:8500", or unix:///path`,
      );
    }
    return value;
  });

/** An http(s) URL with a host and nothing after it; normalised to its origin ("https://h:8200"). */
export const httpUrl = (): Joi.StringSchema =>
  Joi.string().custom((value: string) => {
    const problem = `invalid URL "${value}": expected http:// or https:// followed by host[:port], e.g. "https://vault.example.com:8200"`;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(problem);
    }
    const bare = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '';
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '' || !bare)
      throw new Error(problem);
    return url.origin;
  });

/** Vault's minimum TLS versions. */
export const tlsVersion = (): Joi.StringSchema => Joi.string().valid('tls10', 'tls11', 'tls12', 'tls13');

/** A comma-separated list (Vault's form) or a list of strings; blanks dropped. */
export const stringList = (): Joi.AnySchema<string[]> =>
  Joi.alternatives()
    .try(Joi.string().allow(''), Joi.array().items(Joi.string()))
    .custom((value: string | string[]) =>
      (typeof value === 'string' ? value.split(',') : value).map((s) => s.trim()).filter((s) => s !== ''),
    ) as Joi.AnySchema<string[]>;

/** A list of IP addresses and CIDR blocks (comma-separated or a list). */
export const cidrList = (): Joi.AnySchema<string[]> =>
  stringList().custom((list: string[]) => {
    for (const item of list) {
      const [ip = '', bits, extra] = item.split('/');
      const family = isIP(ip);
      const maxBits = family === 6 ? 128 : 32;
      const badBits = bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > maxBits);
      if (family === 0 || badBits || extra !== undefined) {
        throw new Error(
          `invalid address "${item}": expected IP addresses or CIDR blocks such as "10.0.0.0/8"`,
        );
      }
    }
    return list;
  });

/** Vault's log levels, case-insensitive; "warning" → "warn", "err" → "error". */
export const logLevel = (): Joi.StringSchema =>
  Joi.string().custom((value: string) => {
    const level = value.trim().toLowerCase();
    const mapped = level === 'warning' ? 'warn' : level === 'err' ? 'error' : level;
    if (!['trace', 'debug', 'info', 'warn', 'error'].includes(mapped)) {
      throw new Error(`invalid log level "${value}": use trace, debug, info, warn or error`);
    }
    return mapped;
  });

/** Vault's log formats, case-insensitive. */
export const logFormat = (): Joi.StringSchema =>
  Joi.string().custom((value: string) => {
    const format = value.trim().toLowerCase();
    if (format !== 'standard' && format !== 'json')
      throw new Error(`invalid log format "${value}": use standard or json`);
    return format;
  });

const path = (): Joi.StringSchema => Joi.string().min(1);

/** Keys of a Consul connection (storage, ha_storage, service_registration). */
const consulConnectionKeys = {
  address: consulAddress(),
  scheme: Joi.string().valid('http', 'https'),
  token: Joi.string().allow(''),
  tls_ca_file: path(),
  tls_cert_file: path(),
  tls_key_file: path(),
  tls_min_version: tlsVersion().default('tls12'),
  tls_skip_verify: vaultBoolean().default(false),
};

/** Keys of the Consul service registration (Vault's). */
const consulServiceKeys = {
  service: Joi.string().min(1).default('vault'),
  service_tags: stringList().default([]),
  service_address: Joi.string().allow(''),
  disable_registration: vaultBoolean().default(false),
  check_timeout: duration({ min: 1 }).default(5),
};

/** Body of `storage "consul"` / `ha_storage "consul"`. */
export const consulStorageSchema = Joi.object({
  ...consulConnectionKeys,
  ...consulServiceKeys,
  path: Joi.string().default('vault/'),
  session_ttl: duration({ min: 1, max: 86400 }).default(15),
  lock_wait_time: duration({ min: 1, max: 600 }).default(15),
  max_parallel: Joi.number().integer().min(1).default(128),
  consistency_mode: Joi.string().valid('default', 'strong').default('default'),
  lock_delay: durationMs({ max: 60_000 }).default(0),
  check_ttl: durationMs({ min: 100, max: 600_000 }).default(1500),
});

/** Body of `storage "file"`. */
export const fileStorageSchema = Joi.object({ path: path().required() });

/** Body of `storage "inmem"` (no keys). */
export const inmemStorageSchema = Joi.object({});

/** Seconds after which Consul drops a node whose check stayed critical (tresor's default, 1h). */
export const DEFAULT_DEREGISTER_CRITICAL_AFTER = 3600;

/** Body of `service_registration "consul"`. */
export const serviceRegistrationSchema = Joi.object({
  ...consulConnectionKeys,
  ...consulServiceKeys,
  deregister_critical_service_after: duration({ min: 60, orZero: true }).default(
    DEFAULT_DEREGISTER_CRITICAL_AFTER,
  ),
});

/** Body of `seal "shamir"` (no keys). */
export const shamirSealSchema = Joi.object({});

/** Body of a `telemetry` block. No defaults: listener and top-level blocks combine after merging. */
export const telemetrySchema = Joi.object({
  prometheus_retention_time: duration(),
  disable_hostname: vaultBoolean(),
  unauthenticated_metrics_access: vaultBoolean(),
});

/** Body of `listener "tcp"`. */
export const tcpListenerSchema = Joi.object({
  address: hostPort(true).default('127.0.0.1:8200'),
  cluster_address: hostPort(true),
  tls_disable: vaultBoolean().default(false),
  tls_cert_file: path(),
  tls_key_file: path(),
  tls_client_ca_file: path(),
  tls_require_and_verify_client_cert: vaultBoolean().default(false),
  tls_disable_client_certs: vaultBoolean().default(false),
  tls_min_version: tlsVersion().default('tls12'),
  max_request_size: Joi.number().integer().default(33554432),
  max_request_duration: duration().default(90),
  x_forwarded_for_authorized_addrs: cidrList().default([]),
  standby_redirect: vaultBoolean().default(false),
  telemetry: Joi.object({ unauthenticated_metrics_access: vaultBoolean() }),
});

/** Keys that hold blocks; their shape is checked by the block reader, not by joi. */
export const BLOCK_KEYS = [
  'storage',
  'backend',
  'ha_storage',
  'ha_backend',
  'listener',
  'service_registration',
  'seal',
  'telemetry',
  'user_lockout',
] as const;

/** Body of `user_lockout "all" | "<auth type>" { … }` (Vault's server-wide lockout defaults). */
export const userLockoutSchema = Joi.object({
  lockout_threshold: Joi.number().integer().min(1),
  lockout_duration: duration({ min: 1 }),
  lockout_counter_reset: duration({ min: 1 }),
  disable_lockout: vaultBoolean(),
});

/** The labels a user_lockout block may have. */
export const USER_LOCKOUT_LABELS = ['all', 'userpass', 'ldap', 'approle'] as const;

/** Top-level attributes. No defaults here: a later file overrides only what it sets. */
export const topLevelSchema = Joi.object({
  api_addr: httpUrl(),
  cluster_addr: httpUrl(),
  cluster_name: Joi.string(),
  ui: vaultBoolean(),
  disable_mlock: vaultBoolean(),
  log_level: logLevel(),
  log_format: logFormat(),
  default_lease_ttl: duration(),
  max_lease_ttl: duration(),
  disable_cache: vaultBoolean(),
  plugin_directory: path(),
  raw_storage_endpoint: vaultBoolean(),
  pid_file: path(),
  ...Object.fromEntries(BLOCK_KEYS.map((key) => [key, Joi.any()])),
});

/** The keys a schema knows, for "did you mean" hints. */
export function knownKeys(schema: Joi.ObjectSchema): string[] {
  const description = schema.describe() as { keys?: Record<string, unknown> };
  return Object.keys(description.keys ?? {});
}
