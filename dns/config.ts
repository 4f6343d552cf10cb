/**
 * The resolver's configuration: an HCL (or JSON) file like the server's, validated once by joi,
 * then frozen. Every problem is reported at once, each naming the file and the key. Example:
 *
 *   consul {
 *     address = "127.0.0.1:8500"      # CONSUL_HTTP_ADDR when unset
 *     token   = "..."                 # CONSUL_HTTP_TOKEN when unset; needs node:read, service:read, key_prefix "vault/" read
 *     scheme  = "http"
 *     path    = "vault/"              # the lock is <path>core/lock
 *     service = "vault"               # the HA service whose `active` follows the lock
 *   }
 *   listener { address = "127.0.0.1:8600" }   # DNS, UDP and TCP on the same port
 *   http     { address = "127.0.0.1:8601" }   # GET /health, GET /metrics
 *   domain     = "consul"
 *   datacenter = "dc1"
 *   upstreams  = ["127.0.0.1:5353"]         # names outside the domain; none: REFUSED
 *   ttl {
 *     active  = 0
 *     service = 5
 *     node    = 30
 *   }
 *
 * Also: `upstream_timeout` ("2s"), `max_stale` ("15s"), `log_level`, and in `consul`:
 * `wait_time` ("5s"), `tls_ca_file`, `tls_cert_file`, `tls_key_file`, `tls_skip_verify`,
 * `tls_min_version` ("tls12").
 */
import { readFile } from 'node:fs/promises';
import {
  ConfigError,
  describeFsError,
  joiProblems,
  syntaxMessage,
  type ConfigProblem,
} from '../src/config/errors.js';
import { deepFreeze } from '../src/config/load.js';
import { consulAddress, hostPort, parseHostPort } from '../src/config/schema.js';
import { parseHcl } from '../src/helper/hcl.js';
import type { LogLevel } from '../src/helper/logger.js';
import type { ConsulConnectionConfig, TlsVersion } from '../src/config/types.js';
import {
  RESOLVER_BLOCKS,
  VALIDATION_OPTIONS,
  knownKeys,
  parseUpstream,
  resolverSchema,
} from './config-schema.js';

/** A host and port. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** The validated, frozen configuration. */
export interface ResolverConfig {
  /** The connection in the server's own terms (src/config/types.ts), plus what to watch. */
  readonly consul: ConsulConnectionConfig & {
    /** KV prefix ending in "/". */
    readonly path: string;
    /** Lower case. */
    readonly service: string;
    readonly waitMs: number;
  };
  readonly listener: HostPort;
  readonly http: HostPort;
  /** Lower case, no trailing dot. */
  readonly domain: string;
  readonly datacenter: string;
  readonly upstreams: readonly HostPort[];
  readonly upstreamTimeoutMs: number;
  /** Seconds. */
  readonly ttl: { readonly active: number; readonly service: number; readonly node: number };
  readonly maxStaleMs: number;
  readonly logLevel: LogLevel;
}

/** What command-line flags may override. */
export interface ResolverOverrides {
  /** `-listen`: the DNS address. */
  readonly listen?: string;
  /** `-consul`: the Consul HTTP address. */
  readonly consul?: string;
  /** `-upstream` (repeatable): replaces `upstreams`. */
  readonly upstreams?: readonly string[];
  /** `-http`: the health/metrics address. */
  readonly http?: string;
}

/** The environment variables read: CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN. */
export type ResolverEnv = Readonly<Record<string, string | undefined>>;

/** Reads and validates a configuration file. Throws a ConfigError naming the file and the keys. */
export async function loadResolverConfig(
  path: string,
  env: ResolverEnv = process.env,
): Promise<ResolverConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError([
      { file: path, message: `cannot read the configuration: ${describeFsError(err)}` },
    ]);
  }
  let doc: Record<string, unknown>;
  try {
    doc = await parseHcl(text, path);
  } catch (err) {
    throw new ConfigError([{ file: path, message: syntaxMessage((err as Error).message, path, text) }]);
  }
  return resolverConfig(doc, path, env);
}

/** Validates a parsed document (the defaults when `doc` is empty). `file` names it in messages. */
export function resolverConfig(
  doc: Readonly<Record<string, unknown>>,
  file = 'defaults',
  env: ResolverEnv = process.env,
): ResolverConfig {
  const problems: ConfigProblem[] = [];
  const flat: Record<string, unknown> = { ...doc };
  for (const block of RESOLVER_BLOCKS) {
    const value = flat[block];
    if (!Array.isArray(value)) continue;
    if (value.length > 1)
      problems.push({ file, message: `${block}: defined ${value.length} times; define it once` });
    flat[block] = value[0];
  }
  const result = resolverSchema.validate(flat, VALIDATION_OPTIONS);
  if (result.error !== undefined)
    problems.push(...joiProblems(result.error, file, '', knownKeys(resolverSchema)));
  if (problems.length > 0) throw new ConfigError(problems);
  const v = result.value as Validated;
  if (v.max_stale <= v.consul.wait_time * 1.1 + 500)
    throw new ConfigError([
      {
        file,
        message: 'max_stale: must be well above consul.wait_time (blocking queries answer only that often)',
      },
    ]);
  const token = v.consul.token ?? env.CONSUL_HTTP_TOKEN;
  return deepFreeze({
    consul: {
      address: v.consul.address ?? nonEmpty(env.CONSUL_HTTP_ADDR) ?? '127.0.0.1:8500',
      scheme: v.consul.scheme,
      ...(token === undefined || token === '' ? {} : { token }),
      tls: {
        ...(v.consul.tls_ca_file === undefined ? {} : { caFile: v.consul.tls_ca_file }),
        ...(v.consul.tls_cert_file === undefined ? {} : { certFile: v.consul.tls_cert_file }),
        ...(v.consul.tls_key_file === undefined ? {} : { keyFile: v.consul.tls_key_file }),
        minVersion: v.consul.tls_min_version,
        skipVerify: v.consul.tls_skip_verify,
      },
      path: v.consul.path,
      service: v.consul.service,
      waitMs: v.consul.wait_time,
    },
    listener: mustHostPort(v.listener.address),
    http: mustHostPort(v.http.address),
    domain: v.domain,
    datacenter: v.datacenter,
    upstreams: v.upstreams.map((u) => parseUpstream(u) ?? { host: u, port: 53 }),
    upstreamTimeoutMs: v.upstream_timeout,
    ttl: { active: v.ttl.active, service: v.ttl.service, node: v.ttl.node },
    maxStaleMs: v.max_stale,
    logLevel: v.log_level as LogLevel,
  });
}

/** The configuration with command-line overrides applied, validated and frozen again. */
export function withOverrides(config: ResolverConfig, overrides: ResolverOverrides): ResolverConfig {
  const problems: ConfigProblem[] = [];
  const address = (flag: string, value: string): HostPort | undefined => {
    const { error } = hostPort(true).validate(value, VALIDATION_OPTIONS);
    const parsed = parseHostPort(value);
    if (error === undefined && parsed !== undefined)
      return { host: parsed.host === '' ? '0.0.0.0' : parsed.host, port: parsed.port };
    problems.push({ file: `-${flag}`, message: error?.details[0]?.message ?? `invalid address "${value}"` });
    return undefined;
  };
  const listener = overrides.listen === undefined ? config.listener : address('listen', overrides.listen);
  const http = overrides.http === undefined ? config.http : address('http', overrides.http);
  const upstreams: HostPort[] = [];
  for (const u of overrides.upstreams ?? []) {
    const parsed = parseUpstream(u);
    if (parsed === undefined)
      problems.push({
        file: '-upstream',
        message: `invalid upstream "${u}": expected an IP address with an optional port`,
      });
    else upstreams.push(parsed);
  }
  if (overrides.consul !== undefined) {
    const { error } = consulAddress().validate(overrides.consul.trim(), VALIDATION_OPTIONS);
    if (error !== undefined)
      problems.push({ file: '-consul', message: error.details[0]?.message ?? 'invalid address' });
  }
  if (problems.length > 0 || listener === undefined || http === undefined) throw new ConfigError(problems);
  return deepFreeze({
    ...config,
    consul: {
      ...config.consul,
      ...(overrides.consul === undefined ? {} : { address: overrides.consul.trim() }),
    },
    listener,
    http,
    upstreams: overrides.upstreams === undefined ? config.upstreams : upstreams,
  });
}

interface Validated {
  consul: {
    address?: string;
    scheme: 'http' | 'https';
    token?: string;
    path: string;
    service: string;
    tls_ca_file?: string;
    tls_cert_file?: string;
    tls_key_file?: string;
    tls_skip_verify: boolean;
    tls_min_version: TlsVersion;
    wait_time: number;
  };
  listener: { address: string };
  http: { address: string };
  ttl: { active: number; service: number; node: number };
  domain: string;
  datacenter: string;
  upstreams: string[];
  upstream_timeout: number;
  max_stale: number;
  log_level: string;
}

function mustHostPort(value: string): HostPort {
  const parsed = parseHostPort(value);
  if (parsed === undefined) throw new Error(`validated address "${value}" does not parse`);
  return { host: parsed.host === '' ? '0.0.0.0' : parsed.host, port: parsed.port };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
