/**
 * Which instance of the HA service holds the tresor lock (pure). The lock key's value advertises
 * the holder's api_addr (consul/contract.ts); the holder's instance is the one registered for that
 * address: the service ID tresor derives from it (which still matches when `service_address`
 * overrides the Address), or Address and Port equal to the api_addr's host and port.
 */
import { apiHostPort, serviceId, type LeaderAdvertisement } from '../consul/contract.js';
import { instanceAddress, type ServiceInstance } from './view-types.js';

/**
 * A test for "is this instance (of service `service`) the one registered for the advertised
 * api_addr?", with the api_addr parsed once; it matches nothing when the api_addr is unusable.
 */
export function holderMatcher(
  service: string,
  advertisement: LeaderAdvertisement,
): (instance: ServiceInstance) => boolean {
  let api: { host: string; port: number };
  try {
    api = apiHostPort(advertisement.apiAddr);
  } catch {
    return () => false;
  }
  const host = api.host.toLowerCase();
  const ids = new Set([serviceId(service, { host, port: api.port }).toLowerCase()]);
  if (host.includes(':')) ids.add(serviceId(service, { host: `[${host}]`, port: api.port }).toLowerCase());
  return (instance) =>
    ids.has(instance.id.toLowerCase()) ||
    (instance.port === api.port && sameHost(instanceAddress(instance), host));
}

function sameHost(a: string, b: string): boolean {
  return a.replace(/^\[(.*)\]$/, '$1').toLowerCase() === b;
}
