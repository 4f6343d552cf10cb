/**
 * The bundled DNS resolver (dns/), embedded in the dev cluster when it is part of this build.
 *
 * dns/main.ts `startResolver(config)` with what dns/config.ts `resolverConfig(doc)` makes of a
 * document with the keys of the resolver's HCL file.
 */
import { getServers } from 'node:dns';
import { isIP } from 'node:net';
import { LOOPBACK } from '../../helper/ports.js';

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

/** Starts the embedded resolver (dns/), loaded on first use so other commands do not pay for it. */
export async function startEmbeddedResolver(doc: ResolverDocument): Promise<EmbeddedResolver> {
  const [{ startResolver }, { resolverConfig }] = await Promise.all([
    import('../../../dns/main.js'),
    import('../../../dns/config.js'),
  ]);
  // An empty environment: the user's CONSUL_HTTP_TOKEN / CONSUL_HTTP_ADDR are not for this Consul.
  const config = resolverConfig({ ...doc, upstreams: [...doc.upstreams] }, 'tresor dev-cluster', {});
  return startResolver(config);
}
