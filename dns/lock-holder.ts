/**
 * Which instance of the HA service holds the tresor lock (pure). The lock key's value advertises
 * the holder's api_addr (consul/contract.ts); the holder's instance is the one registered for that
 * address: the service ID tresor derives from it (which still matches when `service_address`
 * overrides the Address), or Address and Port equal to the api_addr's host and port.
 */
import { apiHostPort, serviceId, type LeaderAdvertisement } from '../consul/contract.js';
import { instanceAddress, type ServiceInstance } from './view-types.js';

/** Whether `instance` (of service `service`) is the one registered for the advertised api_addr. */
export function isHolderInstance(
  instance: ServiceInstance,
  service: string,
  advertisement: LeaderAdvertisement,
): boolean {
  let api: { host: string; port: number };
  try {
    api = apiHostPort(advertisement.apiAddr);
  } catch {
    return false;
  }
  const id = instance.id.toLowerCase();
  if (id === serviceId(service, advertisement.apiAddr).toLowerCase()) return true;
  const host = api.host.toLowerCase();
  if (host.includes(':') && id === `${service}:[${host}]:${api.port}`.toLowerCase()) return true;
  return instance.port === api.port && sameHost(instanceAddress(instance), host);
}

function sameHost(a: string, b: string): boolean {
  return a.replace(/^\[(.*)\]$/, '$1').toLowerCase() === b;
}
