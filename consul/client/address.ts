import { InvalidRequestError } from '../../src/helper/errors.js';

/** Where the Consul HTTP API is: scheme and host:port, or a unix socket. */
export interface Target {
  readonly scheme: 'http' | 'https';
  readonly hostPort: string;
  readonly socketPath?: string;
}

/** Parses Vault's `address` + `scheme` pair (address may carry its own scheme, or be a unix socket). */
export function resolveAddress(address: string, scheme: string | undefined): Target {
  const wanted = (scheme ?? 'http').toLowerCase();
  if (wanted !== 'http' && wanted !== 'https')
    throw new InvalidRequestError(`consul: scheme must be "http" or "https", not "${scheme ?? ''}"`);
  if (address.startsWith('unix://'))
    return { scheme: wanted, hostPort: 'localhost', socketPath: address.slice('unix://'.length) };
  const m = /^(https?):\/\/(.+?)\/?$/i.exec(address);
  if (m?.[1] !== undefined && m[2] !== undefined)
    return { scheme: m[1].toLowerCase() === 'https' ? 'https' : 'http', hostPort: m[2] };
  if (address === '' || address.includes('/'))
    throw new InvalidRequestError(`consul: invalid address "${address}"; use host:port`);
  return { scheme: wanted, hostPort: address };
}
