/**
 * The bundled DNS resolver (dns/), embedded in the dev cluster when it is part of this build.
 *
 * dns/main.ts exports `startResolver(config) → { udpPort, tcpPort, httpPort, stop() }`, where
 * `config` is what dns/config.ts `resolverConfig(doc)` makes of a document with the keys of the
 * resolver's HCL file. Both are loaded lazily and only if dns/main is present, so the dev cluster
 * also runs from a tree or a build without it (it then has no DNS). Once dns/main.ts is always
 * there, `loadResolver` can become two static imports.
 */
import { existsSync } from 'node:fs';
import { getServers } from 'node:dns';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { LOOPBACK } from './ports.js';

/** A started resolver, as dns/main.ts returns it. */
export interface EmbeddedResolver {
  readonly udpPort: number;
  readonly tcpPort: number;
  readonly httpPort: number;
  stop(): Promise<void> | void;
}

/** The resolver settings, with the keys of its HCL file (`tresor dns -config=FILE`). */
export interface ResolverDocument {
  readonly consul: { readonly address: string; readonly path: string; readonly service: string };
  readonly listener: { readonly address: string };
  readonly http: { readonly address: string };
  readonly domain: string;
  readonly upstreams: readonly string[];
  readonly log_level: string;
}

/** The parts of dns/config.ts and dns/main.ts the dev cluster uses. */
interface ResolverModules {
  resolverConfig(
    doc: Readonly<Record<string, unknown>>,
    file: string,
    env: Readonly<Record<string, string>>,
  ): unknown;
  startResolver(config: unknown): Promise<EmbeddedResolver> | EmbeddedResolver;
}

/** `server` (as node:dns lists it) with an explicit port: "10.0.0.2:53", "[fd00::1]:53". */
function withPort(server: string): string {
  if (server.startsWith('[')) return server.includes(']:') ? server : `${server}:53`;
  if (isIP(server) === 6) return `[${server}]:53`;
  return server.includes(':') ? server : `${server}:53`;
}

/**
 * This machine's resolvers (for names outside `consul.`), as host:port, without the resolver's
 * own address (which would loop).
 */
export function systemUpstreams(ownPort: number): string[] {
  return getServers()
    .map(withPort)
    .filter((s) => s !== `${LOOPBACK}:${ownPort}`);
}

/** dns/ relative to this file, the same in the sources (src/cli/dev-cluster) and the build. */
const DNS_DIR = '../../../dns/';

function present(name: string): boolean {
  return ['.js', '.ts'].some((ext) =>
    existsSync(fileURLToPath(new URL(`${DNS_DIR}${name}${ext}`, import.meta.url))),
  );
}

/** dns/config and dns/main when this build has them, else undefined. */
async function loadResolver(): Promise<ResolverModules | undefined> {
  if (!present('main') || !present('config')) return undefined;
  const url = (name: string): string => new URL(`${DNS_DIR}${name}.js`, import.meta.url).href;
  const main = (await import(url('main'))) as Partial<ResolverModules>;
  const config = (await import(url('config'))) as Partial<ResolverModules>;
  const { startResolver } = main;
  const { resolverConfig } = config;
  if (typeof startResolver !== 'function' || typeof resolverConfig !== 'function') {
    throw new Error('dns/main does not export startResolver, or dns/config does not export resolverConfig');
  }
  return { startResolver, resolverConfig };
}

/** Starts the embedded resolver; undefined when this build has no dns/ module. */
export async function startEmbeddedResolver(doc: ResolverDocument): Promise<EmbeddedResolver | undefined> {
  const mod = await loadResolver();
  if (mod === undefined) return undefined;
  // An empty environment: the user's CONSUL_HTTP_TOKEN / CONSUL_HTTP_ADDR are not for this Consul.
  const config = mod.resolverConfig({ ...doc, upstreams: [...doc.upstreams] }, 'tresor dev-cluster', {});
  return mod.startResolver(config);
}
