/**
 * A live in-memory view of Consul for the resolver, fed by blocking queries: the catalog's
 * services (one health watch per service, all instances with their aggregated status), the
 * catalog's nodes, and the tresor lock key. Answers read `snapshot()`, which never waits on
 * Consul; a change reaches the snapshot as soon as the blocking query returns.
 */
import type { Logger } from '../src/helper/logger.js';
import { ConsulCatalog, type CatalogNode, type ServiceHealthEntry } from '../consul/client/catalog.js';
import type { ConsulClient, KvPair } from '../consul/client/client.js';
import { startBlockingWatch, type BlockingWatch } from './blocking-watch.js';
import { decodeAdvertisement } from '../consul/contract.js';
import type { InstanceStatus, LockState, ServiceEntry, ServiceInstance, ViewSnapshot } from './view-types.js';

/** How the view reaches Consul and paces its watches. */
export interface ConsulViewOptions {
  readonly client: ConsulClient;
  /** Full KV key of the lock, prefix included: `vault/core/lock`. */
  readonly lockKey: string;
  /** Longest wait of one blocking query; 5 s by default. */
  readonly waitMs?: number;
  /** Backoff after a failed query: 100 ms doubling up to 2 s by default. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** Called on every failed query (metrics). */
  readonly onWatchError?: (watch: string) => void;
  /** Called whenever the snapshot's data changes (metrics). */
  readonly onChange?: () => void;
}

/** The health of the view, for /health. */
export interface ViewStatus {
  /** Milliseconds since every watch last had an answer; undefined until all have answered once. */
  readonly ageMs: number | undefined;
  /** Watches currently failing, with their last error. */
  readonly failing: readonly { readonly watch: string; readonly error: string }[];
}

interface ServiceWatch {
  readonly watch: BlockingWatch;
  readonly startedAt: number;
  instances: readonly ServiceInstance[];
}

/** The view. `start()` begins watching; `stop()` ends every watch. */
export class ConsulView {
  private readonly catalog: ConsulCatalog;
  private readonly now: () => number;
  private readonly roots: BlockingWatch[] = [];
  private readonly perService = new Map<string, ServiceWatch>();
  private catalogTags = new Map<string, readonly string[]>();
  private nodes: ReadonlyMap<string, string> = new Map();
  private lock: LockState = { state: 'unknown' };
  private data: Omit<ViewSnapshot, 'confirmedAt'> | undefined;
  /** The last snapshot handed out, for `data` as it is now (cleared with it). */
  private last: ViewSnapshot | undefined;
  private version = 0;
  private stopped = false;

  constructor(private readonly options: ConsulViewOptions) {
    this.catalog = new ConsulCatalog(options.client);
    this.now = options.now ?? Date.now;
  }

  /** Starts the watches (idempotent). */
  start(): void {
    if (this.roots.length > 0 || this.stopped) return;
    const { client, lockKey } = this.options;
    this.roots.push(
      this.watch(
        'catalog-services',
        (index, waitMs, signal) => this.catalog.services({ index, waitMs, signal }),
        (services) => {
          this.reconcileServices(services);
        },
      ),
      this.watch(
        'catalog-nodes',
        (index, waitMs, signal) => this.catalog.nodes({ index, waitMs, signal }),
        (nodes) => {
          this.setNodes(nodes);
        },
      ),
      this.watch(
        'lock',
        async (index, waitMs, signal) => {
          const answer = await client.kvGet(lockKey, { index, waitMs, signal });
          return { value: answer.pair, index: answer.index };
        },
        (pair) => {
          this.setLock(pair);
        },
      ),
    );
  }

  /** Stops every watch. The last snapshot stays readable. */
  stop(): void {
    this.stopped = true;
    for (const w of this.roots) w.stop();
    for (const s of this.perService.values()) s.watch.stop();
    this.roots.length = 0;
    this.perService.clear();
  }

  /**
   * The current picture; cheap, never waits. The same object is returned until the data or the
   * confirmation time changes, so the resolver can call this for every query without allocating.
   */
  snapshot(): ViewSnapshot {
    const confirmedAt = this.confirmedAt();
    const last = this.last;
    if (last !== undefined && this.data !== undefined && last.confirmedAt === confirmedAt) return last;
    this.data ??= this.build();
    this.last = { ...this.data, confirmedAt };
    return this.last;
  }

  /** Age and failing watches. */
  status(): ViewStatus {
    const confirmed = this.confirmedAt();
    const failing: { watch: string; error: string }[] = [];
    for (const w of [...this.roots, ...[...this.perService.values()].map((s) => s.watch)]) {
      if (w.lastError !== undefined) failing.push({ watch: w.name, error: w.lastError });
    }
    return { ageMs: confirmed === undefined ? undefined : Math.max(0, this.now() - confirmed), failing };
  }

  private watch<T>(
    name: string,
    fetch: (index: bigint, waitMs: number, signal: AbortSignal) => Promise<{ value: T; index: bigint }>,
    onValue: (value: T) => void,
  ): BlockingWatch {
    const { logger, onWatchError } = this.options;
    return startBlockingWatch(name, fetch, onValue, {
      waitMs: this.options.waitMs ?? 5000,
      minBackoffMs: this.options.minBackoffMs ?? 100,
      maxBackoffMs: this.options.maxBackoffMs ?? 2000,
      now: this.now,
      ...(logger === undefined ? {} : { logger }),
      onError: () => onWatchError?.(name),
    });
  }

  /** The oldest last answer over all watches; a service watch counts from its start until it answers. */
  private confirmedAt(): number | undefined {
    let oldest = Number.POSITIVE_INFINITY;
    for (const w of this.roots) {
      if (w.lastOk === undefined) return undefined;
      oldest = Math.min(oldest, w.lastOk);
    }
    if (this.roots.length === 0) return undefined;
    for (const s of this.perService.values()) oldest = Math.min(oldest, s.watch.lastOk ?? s.startedAt);
    return oldest;
  }

  private reconcileServices(services: ReadonlyMap<string, readonly string[]>): void {
    if (this.stopped) return;
    this.catalogTags = new Map(services);
    for (const [name, s] of this.perService) {
      if (!services.has(name)) {
        s.watch.stop();
        this.perService.delete(name);
      }
    }
    for (const name of services.keys()) {
      if (this.perService.has(name)) continue;
      const entry: ServiceWatch = {
        startedAt: this.now(),
        instances: [],
        watch: this.watch(
          `service:${name}`,
          (index, waitMs, signal) => this.catalog.serviceHealth(name, { index, waitMs, signal }),
          (entries) => {
            entry.instances = entries.map(toInstance);
            this.changed();
          },
        ),
      };
      this.perService.set(name, entry);
    }
    this.changed();
  }

  private setNodes(nodes: readonly CatalogNode[]): void {
    const map = new Map<string, string>();
    for (const n of nodes) map.set(n.node.toLowerCase(), n.address);
    this.nodes = map;
    this.changed();
  }

  private setLock(pair: KvPair | undefined): void {
    this.lock =
      pair?.session === undefined
        ? { state: 'free' }
        : { state: 'held', session: pair.session, advertisement: decodeAdvertisement(pair.value) };
    if (this.lock.state === 'held' && this.lock.advertisement === undefined)
      this.options.logger?.warn(
        { key: this.options.lockKey },
        'the lock value is not a tresor advertisement',
      );
    this.changed();
  }

  private changed(): void {
    this.data = undefined;
    this.last = undefined;
    this.version++;
    this.options.onChange?.();
  }

  private build(): Omit<ViewSnapshot, 'confirmedAt'> {
    const services = new Map<string, ServiceEntry>();
    for (const [name, tags] of this.catalogTags) {
      const instances = this.perService.get(name)?.instances ?? [];
      const key = name.toLowerCase();
      const earlier = services.get(key);
      const lowerTags = new Set(tags.map((t) => t.toLowerCase()));
      services.set(
        key,
        earlier === undefined
          ? { name, tags: lowerTags, instances }
          : {
              name: earlier.name,
              tags: new Set([...earlier.tags, ...lowerTags]),
              instances: [...earlier.instances, ...instances],
            },
      );
    }
    return { services, nodes: this.nodes, lock: this.lock, version: this.version };
  }
}

/** A health entry as a view instance, its status aggregated over its checks (worst wins). */
function toInstance(entry: ServiceHealthEntry): ServiceInstance {
  let status: InstanceStatus = 'passing';
  for (const check of entry.checks) {
    if (check.status === 'critical' || check.status === 'maintenance') {
      status = 'critical';
      break;
    }
    if (check.status === 'warning') status = 'warning';
  }
  return {
    id: entry.serviceId,
    node: entry.node,
    nodeAddress: entry.nodeAddress,
    serviceAddress: entry.address,
    port: entry.port,
    tags: entry.tags,
    status,
  };
}
