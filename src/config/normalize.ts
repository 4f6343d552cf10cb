import type Joi from 'joi';
import { joiProblems, type ConfigProblem } from './errors.js';
import * as schema from './schema.js';
import type {
  ConfigSections,
  ConsulConnectionConfig,
  ConsulServiceConfig,
  ConsulStorageConfig,
  Located,
  RawBlock,
  RawConsulConnection,
  RawConsulStorage,
  RawTcpListener,
  RawUserLockout,
  SingleBlock,
  TcpListenerConfig,
} from './types.js';

/** A file path named in the configuration, to be checked for readability (`where`: its key path). */
export interface FileReference {
  readonly file: string;
  readonly where: string;
  readonly path: string;
}

/** What reading one parsed document gives. */
export interface ReadResult {
  readonly sections: ConfigSections;
  readonly fileReferences: readonly FileReference[];
  readonly problems: readonly ConfigProblem[];
}

type Body = Record<string, unknown>;
const isBody = (value: unknown): value is Body =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

interface BlockSpec {
  readonly keys: readonly string[];
  readonly types: Readonly<Record<string, Joi.ObjectSchema>>;
  readonly unsupported: string;
}

/** Blocks that may appear once: their key (and Vault's old alias), and a schema per supported type. */
const SINGLE_BLOCKS = {
  storage: {
    keys: ['storage', 'backend'],
    types: {
      inmem: schema.inmemStorageSchema,
      file: schema.fileStorageSchema,
      consul: schema.consulStorageSchema,
    },
    unsupported: 'is not supported; use "inmem", "file" or "consul"',
  },
  haStorage: {
    keys: ['ha_storage', 'ha_backend'],
    types: { consul: schema.consulStorageSchema },
    unsupported: 'is not supported; use "consul"',
  },
  serviceRegistration: {
    keys: ['service_registration'],
    types: { consul: schema.serviceRegistrationSchema },
    unsupported: 'is not supported; use "consul"',
  },
  seal: {
    keys: ['seal'],
    types: { shamir: schema.shamirSealSchema },
    unsupported: 'is not supported yet; remove the seal block to use Shamir unseal keys',
  },
} as const satisfies Record<SingleBlock, BlockSpec>;

/** Keys of Consul blocks naming files that must be readable. */
const CONSUL_FILE_KEYS = ['tls_ca_file', 'tls_cert_file', 'tls_key_file'] as const;

/**
 * Reads one parsed document (HCL through parseHcl, or JSON) into validated sections. Blocks may
 * come in HCL's shape `{"listener": {"tcp": [{…}]}}` or Vault's JSON shapes `{"listener": {"tcp":
 * {…}}}` and `{"listener": [{"tcp": {…}}]}`; `backend`/`ha_backend` are Vault's old names of
 * `storage`/`ha_storage`. Returns every problem found, each naming its key path.
 */
export function readSections(doc: Body, file: string): ReadResult {
  const problems: ConfigProblem[] = [];
  const fileReferences: FileReference[] = [];
  const problem = (message: string): void => {
    problems.push({ file, message });
  };
  const refer = (where: string, path: unknown): void => {
    if (typeof path === 'string') fileReferences.push({ file, where, path });
  };
  const validate = (s: Joi.ObjectSchema, body: unknown, where: string): Body | undefined => {
    const result = s.validate(body, schema.VALIDATION_OPTIONS);
    if (result.error === undefined) return result.value as Body;
    problems.push(...joiProblems(result.error, file, where, schema.knownKeys(s)));
    return undefined;
  };

  /** `key "label" { … }` blocks in any shape, as [label, body, where] in file order per label. */
  const labelled = (key: string): { label: string; body: Body; where: string }[] => {
    const found: { label: string; body: Body; where: string }[] = [];
    const counts = new Map<string, number>();
    const bad = `${key}: expected labelled blocks such as ${key} "type" { … }`;
    const readMap = (map: unknown): void => {
      if (!isBody(map)) {
        problem(bad);
        return;
      }
      for (const [label, value] of Object.entries(map)) {
        for (const body of Array.isArray(value) ? (value as unknown[]) : [value]) {
          if (!isBody(body)) {
            problem(bad);
            return;
          }
          const index = counts.get(label) ?? 0;
          counts.set(label, index + 1);
          found.push({ label, body, where: `${key}.${label}[${index}]` });
        }
      }
    };
    const value = doc[key];
    if (Array.isArray(value)) value.forEach(readMap);
    else if (value !== undefined) readMap(value);
    return found;
  };

  /** An unlabelled block (`telemetry { … }`), as an object or a one-element list. */
  const unlabelled = (value: unknown, where: string): Body | undefined => {
    const list = Array.isArray(value) ? (value as unknown[]) : [value];
    if (list.length === 1 && isBody(list[0])) return list[0];
    problem(`${where}: must be one block, found ${list.length === 1 ? 'a value' : `${list.length} blocks`}`);
    return undefined;
  };

  const topValue = validate(schema.topLevelSchema, doc, '') ?? {};
  const blockKeys: readonly string[] = schema.BLOCK_KEYS;
  const top = Object.fromEntries(Object.entries(topValue).filter(([key]) => !blockKeys.includes(key)));

  const blocks: Partial<Record<SingleBlock, Located<RawBlock>>> = {};
  for (const [name, spec] of Object.entries(SINGLE_BLOCKS) as [SingleBlock, BlockSpec][]) {
    const found = spec.keys.flatMap(labelled);
    const first = found[0];
    if (found.length > 1) {
      const names = found.map((b) => b.where.replace(/\.([^.]+)\[\d+\]$/, ' "$1"')).join(', ');
      problem(`${spec.keys[0]}: only one ${spec.keys[0]} block is allowed, found ${found.length}: ${names}`);
      continue;
    }
    if (first === undefined) continue;
    const where = first.where.replace(/\[0\]$/, '');
    const blockSchema = (spec.types as Partial<Record<string, Joi.ObjectSchema>>)[first.label];
    if (blockSchema === undefined) {
      problem(`${where}: ${spec.keys[0]} type "${first.label}" ${spec.unsupported}`);
      continue;
    }
    const body = validate(blockSchema, first.body, where);
    if (body === undefined) continue;
    if (first.label === 'consul') {
      for (const key of CONSUL_FILE_KEYS) refer(`${where}.${key}`, body[key]);
    }
    blocks[name] = { file, where, body: { type: first.label, body } };
  }

  const listeners: Located<RawTcpListener>[] = [];
  for (const block of labelled('listener')) {
    if (block.label !== 'tcp') {
      problem(`${block.where}: listener type "${block.label}" is not supported; use "tcp"`);
      continue;
    }
    let input = block.body;
    if (input.telemetry !== undefined) {
      const telemetry = unlabelled(input.telemetry, `${block.where}.telemetry`);
      if (telemetry === undefined) continue;
      input = { ...input, telemetry };
    }
    const body = validate(schema.tcpListenerSchema, input, block.where);
    if (body === undefined) continue;
    const raw = body as unknown as RawTcpListener;
    if (!raw.tls_disable) {
      for (const key of ['tls_cert_file', 'tls_key_file', 'tls_client_ca_file'] as const)
        refer(`${block.where}.${key}`, raw[key]);
    }
    listeners.push({ file, where: block.where, body: raw });
  }

  const telemetryBody = doc.telemetry === undefined ? undefined : unlabelled(doc.telemetry, 'telemetry');
  const telemetry = telemetryBody && validate(schema.telemetrySchema, telemetryBody, 'telemetry');

  const userLockout: Record<string, Located<RawUserLockout>> = {};
  for (const block of labelled('user_lockout')) {
    if (!(schema.USER_LOCKOUT_LABELS as readonly string[]).includes(block.label)) {
      problem(
        `${block.where}: user_lockout "${block.label}" is not a lockout target; use one of ${schema.USER_LOCKOUT_LABELS.join(', ')}`,
      );
      continue;
    }
    if (userLockout[block.label] !== undefined) {
      problem(`${block.where}: user_lockout "${block.label}" is defined twice`);
      continue;
    }
    const body = validate(schema.userLockoutSchema, block.body, block.where);
    if (body !== undefined) userLockout[block.label] = { file, where: block.where, body };
  }

  const sections: ConfigSections = {
    file,
    top,
    blocks,
    listeners,
    ...(telemetry && { telemetry: { file, where: 'telemetry', body: telemetry } }),
    ...(Object.keys(userLockout).length > 0 ? { userLockout } : {}),
  };
  return { sections, fileReferences, problems };
}

/** Consul-side environment: CONSUL_HTTP_ADDR / CONSUL_HTTP_TOKEN fill what a block leaves unset. */
export interface ConsulDefaults {
  readonly address?: string;
  readonly token?: string;
}

/** The connection part of a Consul block; a scheme prefix on the address moves to `scheme`. */
export function toConsulConnection(
  loc: Located<RawConsulConnection>,
  defaults: ConsulDefaults,
  problems: ConfigProblem[],
): ConsulConnectionConfig {
  const raw = loc.body;
  const given = raw.address ?? defaults.address ?? '127.0.0.1:8500';
  const prefix = /^(https?):\/\//.exec(given);
  const prefixScheme = prefix?.[1] as 'http' | 'https' | undefined;
  if (prefixScheme !== undefined && raw.scheme !== undefined && raw.scheme !== prefixScheme) {
    problems.push({
      file: loc.file,
      message: `${loc.where}.scheme: "${raw.scheme}" contradicts the address "${given}"; keep one of them`,
    });
  }
  if ((raw.tls_cert_file === undefined) !== (raw.tls_key_file === undefined)) {
    problems.push({
      file: loc.file,
      message: `${loc.where}: tls_cert_file and tls_key_file go together; set both or neither`,
    });
  }
  const token = raw.token ?? defaults.token;
  return {
    address: prefix === null ? given : given.slice(prefix[0].length),
    scheme: prefixScheme ?? raw.scheme ?? 'http',
    ...(token !== undefined && token !== '' ? { token } : {}),
    tls: {
      ...(raw.tls_ca_file === undefined ? {} : { caFile: raw.tls_ca_file }),
      ...(raw.tls_cert_file === undefined ? {} : { certFile: raw.tls_cert_file }),
      ...(raw.tls_key_file === undefined ? {} : { keyFile: raw.tls_key_file }),
      minVersion: raw.tls_min_version,
      skipVerify: raw.tls_skip_verify,
    },
  };
}

/** The service-registration part of a Consul block. */
export function toConsulService(raw: RawConsulConnection): ConsulServiceConfig {
  return {
    service: raw.service,
    serviceTags: raw.service_tags,
    ...(raw.service_address === undefined ? {} : { serviceAddress: raw.service_address }),
    checkTimeout: raw.check_timeout,
  };
}

/** `storage "consul"` / `ha_storage "consul"`; the path loses leading slashes and gains a trailing one. */
export function toConsulStorage(
  loc: Located<RawConsulStorage>,
  defaults: ConsulDefaults,
  problems: ConfigProblem[],
): ConsulStorageConfig {
  const raw = loc.body;
  let path = raw.path.replace(/^\/+/, '');
  if (path === '')
    problems.push({ file: loc.file, message: `${loc.where}.path: must name a KV prefix such as "vault/"` });
  if (!path.endsWith('/')) path += '/';
  return {
    type: 'consul',
    ...toConsulConnection(loc, defaults, problems),
    ...toConsulService(raw),
    path,
    sessionTtl: raw.session_ttl,
    lockWaitTime: raw.lock_wait_time,
    maxParallel: raw.max_parallel,
    consistencyMode: raw.consistency_mode,
    disableRegistration: raw.disable_registration,
    lockDelayMs: raw.lock_delay,
    checkTtlMs: raw.check_ttl,
  };
}

/** "host:port", bracketing IPv6 hosts. */
export const joinHostPort = (host: string, port: number): string =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

/** A `listener "tcp"` block; TLS (unless tls_disable) needs a certificate and a key. */
export function toListener(
  loc: Located<RawTcpListener>,
  metricsDefault: boolean,
  problems: ConfigProblem[],
): TcpListenerConfig {
  const raw = loc.body;
  const problem = (message: string): void => {
    problems.push({ file: loc.file, message: `${loc.where}${message}` });
  };
  const { host, port } = schema.parseHostPort(raw.address) ?? { host: '', port: 0 };
  if (raw.cluster_address === undefined && port === 65535) {
    problem('.cluster_address: cannot default to the port after 65535; set cluster_address');
  }
  const missing = (['tls_cert_file', 'tls_key_file'] as const).filter((key) => raw[key] === undefined);
  if (!raw.tls_disable && missing.length > 0) {
    problem(
      `: TLS is enabled but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set; set tls_cert_file and tls_key_file, or tls_disable = true`,
    );
  }
  if (!raw.tls_disable && raw.tls_require_and_verify_client_cert && raw.tls_disable_client_certs) {
    problem(': tls_require_and_verify_client_cert and tls_disable_client_certs cannot both be true');
  }
  const tls =
    raw.tls_disable || raw.tls_cert_file === undefined || raw.tls_key_file === undefined
      ? undefined
      : {
          certFile: raw.tls_cert_file,
          keyFile: raw.tls_key_file,
          ...(raw.tls_client_ca_file === undefined ? {} : { clientCaFile: raw.tls_client_ca_file }),
          requireAndVerifyClientCert: raw.tls_require_and_verify_client_cert,
          disableClientCerts: raw.tls_disable_client_certs,
          minVersion: raw.tls_min_version,
        };
  const size = raw.max_request_size;
  return {
    type: 'tcp',
    address: raw.address,
    host,
    port,
    clusterAddress: raw.cluster_address ?? joinHostPort(host, port === 0 ? 0 : port + 1),
    ...(tls === undefined ? {} : { tls }),
    maxRequestSize: size < 0 ? 0 : size === 0 ? 33554432 : size,
    maxRequestDuration: raw.max_request_duration === 0 ? 90 : raw.max_request_duration,
    xForwardedForAuthorizedAddrs: raw.x_forwarded_for_authorized_addrs,
    standbyRedirect: raw.standby_redirect,
    unauthenticatedMetricsAccess: raw.telemetry?.unauthenticated_metrics_access ?? metricsDefault,
  };
}
