/**
 * Which instance of the HA service holds the tresor lock (pure). The lock key's value advertises
 * the holder's api_addr; the holder's instance is the one registered for that address: Address
 * and Port equal to the api_addr's host and port, or the service ID tresor derives from it
 * (`<service>:<host>:<port>`, which still matches when `service_address` overrides the Address).
 */
import { instanceAddress, type Advertisement, type ServiceInstance } from './view-types.js';

/** Host (brackets removed, lower case) and port of an api_addr URL; https is assumed without a scheme. */
export function apiHostPort(apiAddr: string): { host: string; port: number } | undefined {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(apiAddr) ? apiAddr : `https://${apiAddr}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === '') return undefined;
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
  return { host, port };
}

/** Parses a lock value; undefined unless it is a JSON advertisement with an `apiAddr` string. */
export function parseAdvertisement(value: Buffer): Advertisement | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { nodeId, apiAddr, clusterAddr } = parsed as Record<string, unknown>;
  if (typeof apiAddr !== 'string' || apiAddr === '') return undefined;
  return {
    nodeId: typeof nodeId === 'string' ? nodeId : '',
    apiAddr,
    clusterAddr: typeof clusterAddr === 'string' ? clusterAddr : '',
  };
}

/** Whether `instance` (of service `service`) is the one registered for the advertised api_addr. */
export function isHolderInstance(
  instance: ServiceInstance,
  service: string,
  advertisement: Advertisement,
): boolean {
  const api = apiHostPort(advertisement.apiAddr);
  if (api === undefined) return false;
  const host = api.host.includes(':') ? `[${api.host}]` : api.host;
  if (instance.id.toLowerCase() === `${service}:${api.host}:${api.port}`.toLowerCase()) return true;
  if (instance.id.toLowerCase() === `${service}:${host}:${api.port}`.toLowerCase()) return true;
  return instance.port === api.port && sameHost(instanceAddress(instance), api.host);
}

function sameHost(a: string, b: string): boolean {
  return a.replace(/^\[(.*)\]$/, '$1').toLowerCase() === b;
}
