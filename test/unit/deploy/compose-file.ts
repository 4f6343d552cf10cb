/**
 * docker-compose.yml as the compose test reads it (parsed by the `yaml` package), with typed
 * accessors that fail the test with the path of what is missing, and small address helpers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** A parsed YAML value. */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

/** The repository root. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** A repository file's text. */
export const read = (path: string): string => readFileSync(join(REPO, path), 'utf8');

/** A YAML mapping. */
export type Obj = Record<string, YamlValue>;
/** Whether a value is a mapping. */
export const isObj = (v: YamlValue | undefined): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
/** `v` as a mapping; fails the test naming `what` otherwise. */
export const obj = (v: YamlValue | undefined, what: string): Obj => {
  assert.ok(isObj(v), `${what} is a mapping`);
  return v;
};
/** `v` as a list; fails the test naming `what` otherwise. */
export const list = (v: YamlValue | undefined, what: string): YamlValue[] => {
  assert.ok(Array.isArray(v), `${what} is a list`);
  return v;
};
/** `v` as a string; fails the test naming `what` otherwise. */
export const str = (v: YamlValue | undefined, what: string): string => {
  assert.equal(typeof v, 'string', `${what} is a string`);
  return v as string;
};
/** `v` as a list of strings; fails the test naming `what` otherwise. */
export const strings = (v: YamlValue | undefined, what: string): string[] =>
  list(v, what).map((x) => {
    assert.equal(typeof x, 'string', `${what}: ${JSON.stringify(x)} is a string`);
    return x as string;
  });

/** docker-compose.yml, parsed. */
export const compose = obj(parse(read('docker-compose.yml')) as YamlValue, 'the compose file');
/** Its services. */
export const services = obj(compose.services, 'services');
/** One service; fails the test when it is missing. */
export const service = (name: string): Obj => obj(services[name], `service ${name}`);
/** The tresor server nodes. */
export const NODES = ['tresor1', 'tresor2', 'tresor3'];
/** The three Consul servers. */
export const CONSUL_SERVERS = ['consul1', 'consul2', 'consul3'];
/** The hosts that run a Consul client agent beside them (`<host>-consul`). */
export const AGENT_HOSTS = [...NODES, 'dns'];
/** The Consul client agents, one per host. */
export const CONSUL_AGENTS = AGENT_HOSTS.map((h) => `${h}-consul`);
/** Every service that runs `consul agent`. */
export const CONSUL = [...CONSUL_SERVERS, ...CONSUL_AGENTS];
/** The services that run the tresor image. */
export const TRESOR_IMAGE = [...NODES, 'dns', 'demo', 'cluster-init'];

/** `source:target[:mode]` volume entries of a service. */
export function mounts(name: string): { source: string; target: string; readOnly: boolean }[] {
  return strings(service(name).volumes ?? [], `${name}.volumes`).map((entry) => {
    const [source = '', target = '', mode, extra] = entry.split(':');
    assert.equal(extra, undefined, `${name}: volume "${entry}" has the form source:target[:mode]`);
    assert.ok(mode === undefined || mode === 'ro' || mode === 'rw', `${name}: volume mode in "${entry}"`);
    return { source, target, readOnly: mode === 'ro' };
  });
}

/** The repository file a service mounts at `target` (absolute path). */
export function bindSource(name: string, target: string): string {
  const m = mounts(name).find((v) => v.target === target);
  if (!m?.source.startsWith('./')) assert.fail(`${name} mounts a file of the repository at ${target}`);
  return join(REPO, m.source);
}

/** The fixed address of a service on the `tresor` network. */
export const fixedIp = (name: string): string =>
  str(
    obj(obj(service(name).networks, `${name}.networks`).tresor, `${name}.networks.tresor`).ipv4_address,
    `${name} address`,
  );

/** Every string anywhere in a value. */
export function allStrings(v: YamlValue): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(allStrings);
  if (isObj(v)) return [...Object.keys(v), ...Object.values(v).flatMap(allStrings)];
  return [];
}

/** Addresses that are not public: private ranges, loopback, any. */
export const PRIVATE = [/^10\./, /^127\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^0\.0\.0\.0$/];
/** The IPv4 literals in `text` that are public. */
export function publicIps(text: string): string[] {
  return [...text.matchAll(/(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])/g)]
    .map((m) => m[1] ?? '')
    .filter((ip) => !PRIVATE.some((re) => re.test(ip)));
}

/** An IPv4 address as a number. */
export const ipNumber = (ip: string): number => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
/** Whether an IPv4 address lies in a CIDR block. */
export const inCidr = (ip: string, cidr: string): boolean => {
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipNumber(ip) / size) === Math.floor(ipNumber(base) / size);
};
