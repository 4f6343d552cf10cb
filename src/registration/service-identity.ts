/** The names under which a node is registered in Consul, derived from its api_addr as Vault does. */

/** Where and under which ids a node's service instance lives. */
export interface ServiceIdentity {
  /** Service name ("vault" by default). */
  readonly name: string;
  /** `<service>:<api host>:<api port>` ("vault:10.0.0.5:8200"), Vault's format. */
  readonly serviceId: string;
  /** `<service id>:vault-sealed-check`. */
  readonly checkId: string;
  /** Advertised address: service_address when configured ("" = the agent's node address), else the api_addr host. */
  readonly address: string;
  /** The api_addr port (80/443 when the URL has none). */
  readonly port: number;
}

/** The host and port of api_addr; IPv6 hosts come without brackets. Throws on an unusable URL. */
export function apiHostPort(apiAddr: string): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(apiAddr);
  } catch {
    throw new Error(`api_addr ${JSON.stringify(apiAddr)} is not a URL; set api_addr to this node's client URL, e.g. https://10.0.0.5:8200`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new Error(`api_addr ${JSON.stringify(apiAddr)} has no host`);
  // URL drops a port equal to the scheme's default.
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : url.protocol === 'http:' ? 80 : NaN;
  if (!Number.isInteger(port)) throw new Error(`api_addr ${JSON.stringify(apiAddr)} has no port and no http(s) scheme`);
  return { host, port };
}

/** The service instance of the node whose client URL is `apiAddr`. */
export function serviceIdentity(service: string, apiAddr: string, serviceAddress?: string): ServiceIdentity {
  const { host, port } = apiHostPort(apiAddr);
  const serviceId = `${service}:${host}:${port}`;
  return { name: service, serviceId, checkId: `${serviceId}:vault-sealed-check`, address: serviceAddress ?? host, port };
}
