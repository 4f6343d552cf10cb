import type Joi from 'joi';
import { constants } from 'node:fs';
import { access, readFile, readdir, stat } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { extname, join } from 'node:path';
import { formatDuration } from '../helper/duration.js';
import { parseHcl } from '../helper/hcl.js';
import { ConfigError, describeFsError, syntaxMessage, type ConfigProblem } from './errors.js';
import {
  joinHostPort,
  readSections,
  toConsulConnection,
  toConsulService,
  toConsulStorage,
  toListener,
} from './normalize.js';
import type { ConsulDefaults, FileReference } from './normalize.js';
import * as schema from './schema.js';
import type {
  ConfigSections,
  ConsulStorageConfig,
  Located,
  LogFormat,
  LogLevel,
  RawBlock,
  RawConsulStorage,
  RawServiceRegistration,
  RawTcpListener,
  RawTelemetry,
  RawTopLevel,
  ServerConfig,
  ServiceRegistrationConfig,
  SingleBlock,
  StorageConfig,
  TcpListenerConfig,
  UserLockoutConfig,
} from './types.js';

/** The environment variables the configuration reads (process.env by default). */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

/** Options of loadConfig and loadConfigFile. */
export interface LoadOptions {
  readonly env?: ConfigEnv;
}

/** Options of devConfig (`server -dev`). */
export interface DevConfigOptions {
  /** `-dev-listen-address`; "127.0.0.1:8200" by default. */
  readonly listenAddress?: string;
  readonly env?: ConfigEnv;
}

const DEFAULT_LEASE_TTL = 768 * 3600;

/** Loads one HCL or JSON configuration file (or a directory of them): validated, normalised, frozen. */
export async function loadConfigFile(
  path: string,
  options: LoadOptions = {},
): Promise<Readonly<ServerConfig>> {
  return loadConfig([path], options);
}

/**
 * Loads the configuration like Vault's repeated `-config`: each path is a file, or a directory
 * whose `*.hcl` and `*.json` files are read in name order. A later file's top-level attributes
 * override earlier ones and listeners add up; `storage`, `ha_storage`, `seal` and
 * `service_registration` may be defined once in all. The environment then wins, as in Vault:
 * VAULT_API_ADDR (or VAULT_REDIRECT_ADDR, VAULT_ADVERTISE_ADDR), VAULT_CLUSTER_ADDR,
 * VAULT_LOG_LEVEL, VAULT_LOG_FORMAT; CONSUL_HTTP_ADDR and CONSUL_HTTP_TOKEN fill what Consul
 * blocks leave unset. Throws one ConfigError listing every problem, each naming file and key.
 */
export async function loadConfig(
  paths: readonly string[],
  options: LoadOptions = {},
): Promise<Readonly<ServerConfig>> {
  if (paths.length === 0) {
    throw new ConfigError([
      { file: '-config', message: 'no configuration file given; pass -config=FILE or use -dev' },
    ]);
  }
  const problems: ConfigProblem[] = [];
  const all: ConfigSections[] = [];
  for (const file of await expandPaths(paths, problems)) {
    const doc = await parseFile(file, problems);
    if (doc === undefined) continue;
    const result = readSections(doc, file);
    problems.push(...result.problems, ...(await unreadable(result.fileReferences)));
    all.push(result.sections);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(buildConfig(all, options.env ?? process.env));
}

/** The configuration of `server -dev`: inmem storage, one plain-HTTP listener, ui, no mlock. */
export function devConfig(opts: DevConfigOptions = {}): Readonly<ServerConfig> {
  const doc = {
    storage: { inmem: {} },
    listener: { tcp: { address: opts.listenAddress ?? '127.0.0.1:8200', tls_disable: true } },
    ui: true,
    disable_mlock: true,
  };
  const { sections, problems } = readSections(doc, '-dev');
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(buildConfig([sections], opts.env ?? process.env));
}

/**
 * One `storage "consul"` block on its own (Vault's keys, as in a file), validated and normalised
 * exactly as loadConfig does it; for tools and tests that open a Consul backend directly.
 */
export function consulStorageConfig(
  body: Readonly<Record<string, unknown>>,
  env: ConfigEnv = process.env,
): Readonly<ConsulStorageConfig> {
  const doc = {
    storage: { consul: body },
    listener: { tcp: { address: '127.0.0.1:8200', tls_disable: true } },
  };
  const { sections, problems } = readSections(doc, 'storage "consul"');
  if (problems.length > 0) throw new ConfigError(problems);
  const { storage } = buildConfig([sections], env);
  if (storage.type !== 'consul') throw new Error('a consul block did not give consul storage');
  return deepFreeze(storage);
}

/** Freezes objects and arrays recursively; returns the value. */
export function deepFreeze<T>(value: T): Readonly<T> {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Merges the files' sections, applies the environment and defaults, derives the addresses. */
function buildConfig(all: readonly ConfigSections[], env: ConfigEnv): ServerConfig {
  const problems: ConfigProblem[] = [];
  const fail = (file: string, message: string): void => {
    problems.push({ file, message });
  };
  const warnings: string[] = [];
  const everywhere = all.map((s) => s.file).join(', ');

  const top: RawTopLevel = {};
  const source = new Map<string, string>();
  const telemetry: RawTelemetry = {};
  const listeners: Located<RawTcpListener>[] = [];
  const blocks: Partial<Record<SingleBlock, Located<RawBlock>>> = {};
  const userLockout: Record<string, UserLockoutConfig> = {};
  for (const s of all) {
    for (const [label, block] of Object.entries(s.userLockout ?? {})) {
      if (userLockout[label] !== undefined)
        fail(s.file, `${block.where}: user_lockout "${label}" is already defined; define it once`);
      const b = block.body;
      userLockout[label] = {
        ...optional('threshold', b.lockout_threshold),
        ...optional('duration', b.lockout_duration),
        ...optional('counterReset', b.lockout_counter_reset),
        ...optional('disabled', b.disable_lockout),
      };
    }
    for (const key of Object.keys(s.top)) source.set(key, s.file);
    Object.assign(top, s.top);
    Object.assign(telemetry, s.telemetry?.body);
    listeners.push(...s.listeners);
    for (const [key, block] of Object.entries(s.blocks) as [SingleBlock, Located<RawBlock>][]) {
      const earlier = blocks[key];
      if (earlier === undefined) blocks[key] = block;
      else fail(s.file, `${block.where}: already defined in ${earlier.file}; define it once`);
    }
  }

  const fromEnv = (names: readonly string[], s: Joi.Schema): string | undefined => {
    const name = names.find((n) => (env[n] ?? '') !== '');
    if (name === undefined) return undefined;
    const result = s.validate(env[name], schema.VALIDATION_OPTIONS);
    if (result.error === undefined) return result.value as string;
    fail('environment', `${name}: ${result.error.details[0]?.message ?? 'invalid value'}`);
    return undefined;
  };
  const consulEnv: ConsulDefaults = {
    ...optional('address', fromEnv(['CONSUL_HTTP_ADDR'], schema.consulAddress())),
    ...optional('token', env.CONSUL_HTTP_TOKEN),
  };
  const envApiAddr = fromEnv(
    ['VAULT_API_ADDR', 'VAULT_REDIRECT_ADDR', 'VAULT_ADVERTISE_ADDR'],
    schema.httpUrl(),
  );
  const envClusterAddr = fromEnv(['VAULT_CLUSTER_ADDR'], schema.httpUrl());
  const logLevel =
    (fromEnv(['VAULT_LOG_LEVEL'], schema.logLevel()) as LogLevel | undefined) ?? top.log_level ?? 'info';
  const logFormat =
    (fromEnv(['VAULT_LOG_FORMAT'], schema.logFormat()) as LogFormat | undefined) ??
    top.log_format ??
    'standard';

  let storage: StorageConfig | undefined;
  const rawStorage = blocks.storage;
  if (rawStorage === undefined) {
    fail(everywhere, 'no storage block; add one, such as storage "file" { path = "/var/lib/tresor" }');
  } else if (rawStorage.body.type === 'consul') {
    storage = toConsulStorage(unwrap<RawConsulStorage>(rawStorage), consulEnv, problems);
  } else if (rawStorage.body.type === 'file') {
    storage = { type: 'file', path: String(rawStorage.body.body.path) };
  } else storage = { type: 'inmem' };
  const haStorage = blocks.haStorage && toConsulStorage(unwrap(blocks.haStorage), consulEnv, problems);

  if (listeners.length === 0) {
    fail(everywhere, 'no listener block; add one, such as listener "tcp" { address = "127.0.0.1:8200" }');
  }
  const metricsDefault = telemetry.unauthenticated_metrics_access ?? false;
  const listenerConfigs = listeners.map((l) => toListener(l, metricsDefault, problems));

  const leaseTtl = (value: number | undefined): number =>
    value === undefined || value === 0 ? DEFAULT_LEASE_TTL : value;
  const defaultLeaseTtl = leaseTtl(top.default_lease_ttl);
  const maxLeaseTtl = leaseTtl(top.max_lease_ttl);
  if (defaultLeaseTtl > maxLeaseTtl) {
    fail(
      source.get('default_lease_ttl') ?? source.get('max_lease_ttl') ?? everywhere,
      `default_lease_ttl (${formatDuration(defaultLeaseTtl)}) must not be greater than max_lease_ttl (${formatDuration(maxLeaseTtl)})`,
    );
  }

  const serviceRegistration = registration(
    blocks.serviceRegistration && unwrap<RawServiceRegistration>(blocks.serviceRegistration),
    haStorage,
    storage,
    consulEnv,
    problems,
  );
  const first = listenerConfigs[0];
  for (const [where, consul] of [
    ['storage "consul"', storage?.type === 'consul' ? storage : undefined],
    ['service_registration "consul"', serviceRegistration],
  ] as const)
    if (consul?.tls.skipVerify === true)
      warnings.push(
        `${where}: tls_skip_verify = true: the Consul agent's certificate is not verified, so anyone on the path can read this node's Consul token and alter its requests; use it only in development`,
      );
  if (problems.length > 0 || storage === undefined || first === undefined) throw new ConfigError(problems);

  const apiAddr = envApiAddr ?? top.api_addr ?? deriveApiAddr(first, warnings);
  return {
    storage,
    ...optional('haStorage', haStorage),
    listeners: listenerConfigs,
    ...optional('serviceRegistration', serviceRegistration),
    seal: { type: 'shamir' },
    apiAddr,
    clusterAddr:
      envClusterAddr ?? top.cluster_addr ?? deriveClusterAddr(apiAddr, listeners[0]?.body.cluster_address),
    ...optional('clusterName', top.cluster_name),
    ui: top.ui ?? false,
    disableMlock: top.disable_mlock ?? false,
    logLevel,
    logFormat,
    defaultLeaseTtl,
    maxLeaseTtl,
    disableCache: top.disable_cache ?? false,
    ...optional('pluginDirectory', top.plugin_directory),
    rawStorageEndpoint: top.raw_storage_endpoint ?? false,
    telemetry: {
      prometheusRetentionTime: telemetry.prometheus_retention_time ?? 24 * 3600,
      disableHostname: telemetry.disable_hostname ?? false,
      unauthenticatedMetricsAccess: metricsDefault,
    },
    ...optional('pidFile', top.pid_file),
    userLockout,
    files: all.map((s) => s.file),
    warnings,
  };
}

/** A single block's body as the validated type its schema produced. */
function unwrap<T>(block: Located<RawBlock>): Located<T> {
  return { file: block.file, where: block.where, body: block.body.body as T };
}

/** `{ [key]: value }`, or `{}` when the value is undefined (for exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;
}

/**
 * Effective service registration, in Vault's order: a `service_registration "consul"` block, else
 * a Consul ha_storage, else a Consul storage — unless `disable_registration` is set there.
 */
function registration(
  block: Located<RawServiceRegistration> | undefined,
  haStorage: ConsulStorageConfig | undefined,
  storage: StorageConfig | undefined,
  consulEnv: ConsulDefaults,
  problems: ConfigProblem[],
): ServiceRegistrationConfig | undefined {
  if (block !== undefined) {
    if (block.body.disable_registration) return undefined;
    return {
      type: 'consul',
      source: 'service_registration',
      ...toConsulConnection(block, consulEnv, problems),
      ...toConsulService(block.body),
      deregisterCriticalServiceAfter: block.body.deregister_critical_service_after,
    };
  }
  const backing = haStorage ?? (storage?.type === 'consul' ? storage : undefined);
  if (backing === undefined || backing.disableRegistration) return undefined;
  const { address, scheme, token, tls, service, serviceTags, serviceAddress, checkTimeout } = backing;
  return {
    type: 'consul',
    source: haStorage === undefined ? 'storage' : 'ha_storage',
    address,
    scheme,
    ...optional('token', token),
    tls,
    service,
    serviceTags,
    ...optional('serviceAddress', serviceAddress),
    checkTimeout,
    deregisterCriticalServiceAfter: schema.DEFAULT_DEREGISTER_CRITICAL_AFTER,
  };
}

/** api_addr from the first listener: its scheme, host and port; a wildcard host becomes this machine's address. */
function deriveApiAddr(listener: TcpListenerConfig, warnings: string[]): string {
  let host = listener.host;
  if (host === '' || host === '0.0.0.0' || host === '::') {
    host = machineAddress();
    warnings.push(
      `api_addr is not set and listener ${listener.address} listens on every interface: advertising ${host}; ` +
        'set api_addr (or VAULT_API_ADDR) to the URL clients and other nodes should use',
    );
  }
  return new URL(`${listener.tls === undefined ? 'http' : 'https'}://${joinHostPort(host, listener.port)}`)
    .origin;
}

/** cluster_addr: https, api_addr's host, the first listener's cluster_address port or api port + 1. */
function deriveClusterAddr(apiAddr: string, clusterAddress: string | undefined): string {
  const api = new URL(apiAddr);
  const apiPort = api.port === '' ? (api.protocol === 'https:' ? 443 : 80) : Number(api.port);
  const explicit = clusterAddress === undefined ? undefined : schema.parseHostPort(clusterAddress)?.port;
  return `https://${api.hostname}:${explicit ?? (apiPort === 0 ? 0 : apiPort + 1)}`;
}

/** The first external IPv4 address of this machine, else 127.0.0.1. */
function machineAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    const found = list?.find((a) => a.family === 'IPv4' && !a.internal);
    if (found !== undefined) return found.address;
  }
  return '127.0.0.1';
}

/** The files to read: each path itself, or the *.hcl / *.json files of a directory in name order. */
async function expandPaths(paths: readonly string[], problems: ConfigProblem[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    try {
      if (!(await stat(path)).isDirectory()) {
        files.push(path);
        continue;
      }
      const names = (await readdir(path, { withFileTypes: true }))
        .filter((e) => e.isFile() && !e.name.startsWith('.') && ['.hcl', '.json'].includes(extname(e.name)))
        .map((e) => e.name)
        .sort();
      if (names.length === 0)
        problems.push({ file: path, message: 'the directory holds no .hcl or .json file' });
      files.push(...names.map((name) => join(path, name)));
    } catch (err) {
      problems.push({ file: path, message: `cannot read the configuration: ${describeFsError(err)}` });
    }
  }
  return files;
}

/** Reads and parses one file; a syntax error names the line and column. */
async function parseFile(
  file: string,
  problems: ConfigProblem[],
): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    problems.push({ file, message: `cannot read the configuration: ${describeFsError(err)}` });
    return undefined;
  }
  if (text.trim() === '') return {};
  try {
    return await parseHcl(text, file);
  } catch (err) {
    problems.push({
      file,
      message: syntaxMessage(err instanceof Error ? err.message : String(err), file, text),
    });
    return undefined;
  }
}

/** A problem for each referenced file (certificate, key, CA) that is not a readable regular file. */
async function unreadable(references: readonly FileReference[]): Promise<ConfigProblem[]> {
  const problems: ConfigProblem[] = [];
  for (const ref of references) {
    try {
      if (!(await stat(ref.path)).isFile())
        throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
      await access(ref.path, constants.R_OK);
    } catch (err) {
      problems.push({
        file: ref.file,
        message: `${ref.where}: cannot read "${ref.path}": ${describeFsError(err)}`,
      });
    }
  }
  return problems;
}
