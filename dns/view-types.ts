/**
 * The resolver's picture of Consul: plain immutable data, built by ConsulView from blocking
 * queries and read by the pure resolver. Service and node names are keyed in lower case (DNS names
 * are case-insensitive).
 */
import type { LeaderAdvertisement } from '../consul/contract.js';

/** An instance's health, aggregated over all its checks as Consul does (worst wins). */
export type InstanceStatus = 'passing' | 'warning' | 'critical';

/** One registered instance of a service. */
export interface ServiceInstance {
  /** The service ID on its agent, e.g. `vault:127.0.0.2:8200`. */
  readonly id: string;
  readonly node: string;
  readonly nodeAddress: string;
  /** The service's own address, or "" when it uses its node's address. */
  readonly serviceAddress: string;
  readonly port: number;
  readonly tags: readonly string[];
  readonly status: InstanceStatus;
}

/** One service of the catalog and its instances (all of them, whatever their health). */
export interface ServiceEntry {
  /** The name as registered. */
  readonly name: string;
  /** Tags any instance carries, in lower case (from the catalog). */
  readonly tags: ReadonlySet<string>;
  readonly instances: readonly ServiceInstance[];
}

/** The tresor HA lock key `<path>core/lock`: not yet read, free, or held by a session. */
export type LockState =
  | { readonly state: 'unknown' }
  | { readonly state: 'free' }
  | {
      readonly state: 'held';
      readonly session: string;
      /** undefined when the value is not a tresor advertisement (then no instance is the holder). */
      readonly advertisement: LeaderAdvertisement | undefined;
    };

/** One consistent picture of Consul at a point in time. */
export interface ViewSnapshot {
  /** Lower-case service name → entry. */
  readonly services: ReadonlyMap<string, ServiceEntry>;
  /** Lower-case node name → address. */
  readonly nodes: ReadonlyMap<string, string>;
  readonly lock: LockState;
  /**
   * When (ms since the epoch) every part of the view was last confirmed by Consul: the oldest of
   * the watchers' last successful answers. undefined until each watcher has answered once.
   */
  readonly confirmedAt: number | undefined;
  /** Changes whenever the data (not the age) changes; lets answers be cached per version. */
  readonly version?: number;
}

/** The address clients reach an instance at: its own, or its node's. */
export function instanceAddress(instance: ServiceInstance): string {
  return instance.serviceAddress === '' ? instance.nodeAddress : instance.serviceAddress;
}

/** A view of nothing, not yet confirmed: every name inside the domain answers SERVFAIL. */
export const EMPTY_VIEW: ViewSnapshot = Object.freeze({
  services: new Map<string, ServiceEntry>(),
  nodes: new Map<string, string>(),
  lock: { state: 'unknown' as const },
  confirmedAt: undefined,
});
