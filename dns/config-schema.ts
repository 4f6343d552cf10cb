/**
 * The joi schema of the resolver's configuration file (HCL or JSON), in the server's style
 * (src/config/schema.ts): every problem at once, values converted (durations to seconds or
 * milliseconds), defaults here. Blocks (`consul`, `listener`, `http`, `ttl`) arrive from the HCL
 * parser as one-element lists; config.ts unwraps them before validation.
 */
import Joi from 'joi';
import { isIP } from 'node:net';
import {
  consulAddress,
  duration,
  durationMs,
  hostPort,
  logLevel,
  parseHostPort,
  tlsVersion,
  vaultBoolean,
} from '../src/config/schema.js';

export { VALIDATION_OPTIONS, knownKeys } from '../src/config/schema.js';

/** The blocks of the file, each allowed once. */
export const RESOLVER_BLOCKS = ['consul', 'listener', 'http', 'ttl'] as const;

const DNS_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** A DNS name such as "consul" or "consul.internal": lower-cased, without a trailing dot. */
const dnsName = (): Joi.StringSchema =>
  Joi.string().custom((value: string) => {
    const name = value.trim().toLowerCase().replace(/\.$/, '');
    if (name === '' || name.length > 253 || !name.split('.').every((l) => DNS_LABEL.test(l)))
      throw new Error(`invalid DNS name "${value}": use labels of letters, digits and "-", such as "consul"`);
    return name;
  });

/** One DNS label ("dc1"), lower-cased. */
const dnsLabel = (): Joi.StringSchema =>
  Joi.string().custom((value: string) => {
    const label = value.trim().toLowerCase();
    if (!DNS_LABEL.test(label)) throw new Error(`invalid DNS label "${value}": use letters, digits and "-"`);
    return label;
  });

/** An upstream DNS server: "ip", "ip:port", "[v6]:port"; port 53 when omitted. */
export function parseUpstream(value: string): { host: string; port: number } | undefined {
  const text = value.trim();
  if (isIP(text) !== 0) return { host: text, port: 53 };
  const parsed = parseHostPort(text);
  if (parsed === undefined || parsed.port === 0 || isIP(parsed.host) === 0) return undefined;
  return parsed;
}

const upstream = (): Joi.StringSchema =>
  Joi.string().custom((value: string) => {
    if (parseUpstream(value) === undefined)
      throw new Error(
        `invalid upstream "${value}": expected an IP address with an optional port, such as "10.0.0.2:53"`,
      );
    return value.trim();
  });

/** Vault's `path` rule: leading slash stripped, trailing slash added. */
const kvPath = (): Joi.StringSchema =>
  Joi.string().custom((value: string) => {
    const stripped = value.replace(/^\/+/, '');
    if (stripped === '') throw new Error('must not be empty');
    return stripped.endsWith('/') ? stripped : `${stripped}/`;
  });

const file = (): Joi.StringSchema => Joi.string().min(1);

/** `consul { ... }`: where the Consul HTTP API is and what to watch. */
export const consulSchema = Joi.object({
  address: consulAddress(),
  scheme: Joi.string().valid('http', 'https').default('http'),
  token: Joi.string().allow(''),
  path: kvPath().default('vault/'),
  service: dnsLabel().default('vault'),
  tls_ca_file: file(),
  tls_cert_file: file(),
  tls_key_file: file(),
  tls_skip_verify: vaultBoolean().default(false),
  tls_min_version: tlsVersion().default('tls12'),
  /** Longest wait of one blocking query. */
  wait_time: durationMs({ min: 100, max: 600_000 }).default(5000),
}).default();

/** `listener { address = "127.0.0.1:8600" }`: the DNS port, UDP and TCP. */
export const listenerSchema = Joi.object({
  address: hostPort(true).default('127.0.0.1:8600'),
}).default();

/** `http { address = "127.0.0.1:8601" }`: /health and /metrics. */
export const httpSchema = Joi.object({
  address: hostPort(true).default('127.0.0.1:8601'),
}).default();

/** `ttl { active = 0  service = 5  node = 30 }`: seconds, or durations such as "5s". */
export const ttlSchema = Joi.object({
  active: duration({ max: 86_400 }).default(0),
  service: duration({ max: 86_400 }).default(5),
  node: duration({ max: 86_400 }).default(30),
}).default();

/** The whole file. */
export const resolverSchema = Joi.object({
  consul: consulSchema,
  listener: listenerSchema,
  http: httpSchema,
  ttl: ttlSchema,
  domain: dnsName().default('consul'),
  datacenter: dnsLabel().default('dc1'),
  upstreams: Joi.array().items(upstream()).default([]),
  /** How long one upstream gets to answer before the next is tried. */
  upstream_timeout: durationMs({ min: 50, max: 30_000 }).default(2000),
  /** Beyond this view age /health fails and `active` answers SERVFAIL. */
  max_stale: durationMs({ min: 1000, max: 3_600_000 }).default(15_000),
  log_level: logLevel().default('info'),
});
