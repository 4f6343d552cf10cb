/**
 * What the parts of tresor that meet in Consul agree on, defined once: the server's storage and
 * HA lock write it, service registration and the DNS resolver read it. Nothing else in consul/ or
 * dns/ spells a lock key, an advertisement, a service id or Consul client options.
 */
import type { ConsulConnectionConfig } from '../src/config/types.js';
import { nodeTlsVersion } from '../src/config/tls-version.js';
import { HA_LOCK_KEY, type LeaderAdvertisement } from '../src/physical/types.js';
import type { ConsulClientOptions } from './client/client-types.js';

export { HA_LOCK_KEY, type LeaderAdvertisement };

/** The full KV key of the HA lock under a storage prefix ("vault/" → "vault/core/lock"). */
export function lockKeyUnder(prefix: string): string {
  return prefix + HA_LOCK_KEY;
}

/** The lock key's value: the holder's advertisement as JSON. */
export function encodeAdvertisement(advertisement: LeaderAdvertisement): Buffer {
  const { nodeId, apiAddr, clusterAddr } = advertisement;
  return Buffer.from(JSON.stringify({ nodeId, apiAddr, clusterAddr }));
}

/**
 * The lock key's value while its holder is still promoting: it names the node but advertises no
 * address, so decodeAdvertisement (and with it every standby and the resolver) sees no leader yet.
 */
export function encodePromoting(nodeId: string): Buffer {
  return Buffer.from(JSON.stringify({ nodeId, promoting: true }));
}

/** The advertisement in a lock key's value; undefined unless it is JSON with the three strings and an api_addr. */
export function decodeAdvertisement(value: Buffer): LeaderAdvertisement | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { nodeId, apiAddr, clusterAddr } = parsed as Record<string, unknown>;
  if (typeof nodeId !== 'string' || typeof apiAddr !== 'string' || typeof clusterAddr !== 'string')
    return undefined;
  if (apiAddr === '') return undefined;
  return { nodeId, apiAddr, clusterAddr };
}

/** The host (IPv6 without brackets) and port of an api_addr URL. Throws, saying why, on an unusable one. */
export function apiHostPort(apiAddr: string): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(apiAddr);
  } catch {
    throw new Error(
      `api_addr ${JSON.stringify(apiAddr)} is not a URL; set api_addr to this node's client URL, e.g. https://10.0.0.5:8200`,
    );
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new Error(`api_addr ${JSON.stringify(apiAddr)} has no host`);
  // URL drops a port equal to the scheme's default.
  const port =
    url.port !== ''
      ? Number(url.port)
      : url.protocol === 'https:'
        ? 443
        : url.protocol === 'http:'
          ? 80
          : NaN;
  if (!Number.isInteger(port))
    throw new Error(`api_addr ${JSON.stringify(apiAddr)} has no port and no http(s) scheme`);
  return { host, port };
}

/** Vault's service instance id for a node: `<service>:<api host>:<api port>` ("vault:10.0.0.5:8200"). */
export function serviceId(service: string, api: { readonly host: string; readonly port: number }): string {
  return `${service}:${api.host}:${api.port}`;
}

/** Tuning that differs between the users of one connection block. */
export interface ClientTuning {
  /** Concurrent non-blocking requests (storage: max_parallel; registration and resolver: a handful). */
  readonly maxParallel?: number;
  readonly consistencyMode?: 'default' | 'strong';
  /** Timeout of one non-blocking request. */
  readonly requestTimeoutMs?: number;
}

/** The client adapter's options for a validated Consul connection block. */
export function consulClientOptions(
  connection: ConsulConnectionConfig,
  tuning: ClientTuning = {},
): ConsulClientOptions {
  const { tls } = connection;
  return {
    address: connection.address,
    scheme: connection.scheme,
    ...(connection.token === undefined ? {} : { token: connection.token }),
    ...(tls.caFile === undefined ? {} : { tlsCaFile: tls.caFile }),
    ...(tls.certFile === undefined ? {} : { tlsCertFile: tls.certFile }),
    ...(tls.keyFile === undefined ? {} : { tlsKeyFile: tls.keyFile }),
    tlsSkipVerify: tls.skipVerify,
    tlsMinVersion: nodeTlsVersion(tls.minVersion),
    ...tuning,
  };
}
