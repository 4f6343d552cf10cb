import { StorageError } from '../../src/helper/errors.js';
import type { Logger } from '../../src/helper/logger.js';
import type {
  HaBackend,
  HaLock,
  HaLockOptions,
  LeaderAdvertisement,
  PhysicalEntry,
  TxnOp,
} from '../../src/physical/types.js';
import { assertValidKey } from '../../src/physical/types.js';
import { ReadCache, txnChanges, type CacheWrite } from '../../src/physical/read-cache.js';
import { ConsulClient, type ConsulTxnOp, type KvPair } from '../client/client.js';
import { LockLostError, type Fence, type FenceSlot } from '../lock/fencing.js';
import { assertWithinLimits, consulCanHold } from '../client/limits.js';
import { ConsulLock } from '../lock/lock.js';
import type { ConsulStorageConfig } from '../../src/config/types.js';
import { decodeAdvertisement } from '../contract.js';
import { consulSettings, type ConsulSettings } from './settings.js';
import { watchKey } from '../client/watch-key.js';
import { TxnBatcher } from './txn-batcher.js';

/**
 * `storage "consul"`: Vault's keys below a KV prefix (default `vault/`), values as raw bytes, and
 * HA through a session lock (ConsulLock). While this backend holds a lock, every write is a
 * transaction that first checks the lock session (fencing), and concurrent writes share one
 * (txn-batcher.ts); otherwise writes are plain.
 *
 * Reads while the lock is held go through a read cache (src/physical/read-cache.ts): fencing makes
 * the lock holder the only writer, so what it wrote is what Consul holds. The cache starts empty
 * with each lock (and `purge`, which a node calls on promotion); a node that does not hold the lock
 * (a standby, or a node whose lock was lost) reads Consul every time and caches nothing.
 */
export class ConsulBackend implements HaBackend {
  readonly type = 'consul';
  readonly haEnabled = true;
  /** The adapter this backend talks through; service registration may share it. */
  readonly client: ConsulClient;
  readonly settings: ConsulSettings;
  private fence: Fence | undefined;
  private readonly watches = new Set<() => void>();
  private readonly locks = new Set<ConsulLock>();
  private readonly logger: Logger | undefined;
  private readonly closing = new AbortController();
  private readonly cache = new ReadCache();
  private batcher: { readonly fence: Fence; readonly batcher: TxnBatcher } | undefined;

  constructor(config: ConsulStorageConfig, logger?: Logger) {
    this.settings = consulSettings(config);
    this.client = new ConsulClient(this.settings.client);
    this.logger = logger?.child({ subsystem: 'consul-storage' });
  }

  async get(key: string): Promise<PhysicalEntry | undefined> {
    // A key Consul cannot hold was never written (writes refuse it), and /v1/kv would answer 400.
    if (!consulCanHold(key)) return undefined;
    const load = async (): Promise<Buffer | undefined> =>
      (await this.client.kvGet(this.settings.prefix + key)).pair?.value;
    const value = this.cacheReadable() ? await this.cache.read(key, load) : await load();
    return value === undefined ? undefined : { key, value };
  }

  async put(entry: PhysicalEntry): Promise<void> {
    assertValidKey(entry.key);
    await this.write(
      [{ verb: 'set', key: this.settings.prefix + entry.key, value: entry.value }],
      [{ key: entry.key, value: Buffer.from(entry.value) }],
    );
  }

  async delete(key: string): Promise<void> {
    await this.write([{ verb: 'delete', key: this.settings.prefix + key }], [{ key, value: null }]);
  }

  async list(prefix: string): Promise<string[]> {
    const base = this.settings.prefix + prefix;
    if (!consulCanHold(base)) return [];
    const keys = await this.client.kvKeys(base);
    const out = new Set<string>();
    for (const full of keys) {
      if (!full.startsWith(base)) continue;
      const rest = full.slice(base.length);
      if (rest === '') continue;
      const slash = rest.indexOf('/');
      out.add(slash === -1 ? rest : rest.slice(0, slash + 1));
    }
    return [...out].sort();
  }

  async transaction(ops: readonly TxnOp[]): Promise<void> {
    if (ops.length === 0) return;
    const consulOps = ops.map((op): ConsulTxnOp => {
      if (op.op === 'put') {
        assertValidKey(op.entry.key);
        return { verb: 'set', key: this.settings.prefix + op.entry.key, value: op.entry.value };
      }
      return { verb: 'delete', key: this.settings.prefix + op.key };
    });
    await this.write(consulOps, txnChanges(ops));
  }

  /** Forgets every cached read (a node calls it on promotion). */
  purge(): void {
    this.cache.purge();
  }

  /**
   * While the lock is held, reads `keys` into the cache in one read-only Consul transaction
   * (ConsulClient.kvGetMany) instead of a request per key. Without the lock nothing is cached,
   * so nothing is read. A failure is logged and left to the reads that follow.
   */
  async prefetch(keys: readonly string[]): Promise<void> {
    if (!this.cacheReadable()) return;
    const { prefix } = this.settings;
    try {
      await this.cache.prefetch(keys.filter(consulCanHold), async (wanted) => {
        const pairs = await this.client.kvGetMany(
          wanted.map((key) => prefix + key),
          { timeoutMs: 2000 },
        );
        return new Map(wanted.map((key) => [key, pairs.get(prefix + key)?.value]));
      });
    } catch (err) {
      this.logger?.warn({ err }, 'could not prefetch from Consul; reading key by key');
    }
  }

  lock(key: string, advertisement: LeaderAdvertisement, options: HaLockOptions = {}): HaLock {
    const fences: FenceSlot = {
      set: (fence) => {
        this.fence = fence;
        this.cache.purge();
      },
      // A released or lost lock leaves a tombstone: this backend refuses every write until it
      // holds a lock again. Requests admitted while the node was active must not land afterwards.
      clear: (fence) => {
        if (this.fence === fence) fence.lostReason ??= new Error('the HA lock was released');
        this.cache.purge();
      },
    };
    const { sessionTtlMs, checkTtlMs, lockDelayMs, lockWaitMs } = this.settings;
    const lock = new ConsulLock({
      client: this.client,
      fences,
      key: this.settings.prefix + key,
      advertisement,
      deferAdvertisement: options.deferAdvertisement === true,
      timing: { sessionTtlMs, checkTtlMs, lockDelayMs, lockWaitMs },
      closed: this.closing.signal,
      ...(this.logger === undefined ? {} : { logger: this.logger.child({ lock: key }) }),
    });
    this.locks.add(lock);
    return lock;
  }

  async leader(key: string): Promise<LeaderAdvertisement | undefined> {
    const { pair } = await this.client.kvGet(this.settings.prefix + key);
    return advertisementOf(pair);
  }

  /** Calls `onChange` with the current holder first, then on every change of holder; recovers from Consul outages. */
  watchLeader(
    key: string,
    onChange: (leader: LeaderAdvertisement | undefined, holdId: string | undefined) => void,
  ): () => void {
    let last: string | undefined;
    const stopWatch = watchKey(
      this.client,
      this.settings.prefix + key,
      (pair) => {
        const leader = advertisementOf(pair);
        const seen = leader === undefined ? '' : `${pair?.session ?? ''}|${JSON.stringify(leader)}`;
        if (seen === last) return;
        last = seen;
        onChange(leader, leader === undefined ? undefined : pair?.session);
      },
      { waitMs: this.settings.lockWaitMs, ...(this.logger === undefined ? {} : { logger: this.logger }) },
    );
    const stop = (): void => {
      stopWatch();
      this.watches.delete(stop);
    };
    this.watches.add(stop);
    return stop;
  }

  /**
   * Destroys the lock session `holdId` of a node known to be gone. Consul then frees every key it
   * held (after its lock-delay); a session that no longer exists is no error.
   */
  async endHold(_key: string, holdId: string): Promise<void> {
    await this.client.sessionDestroy(holdId, { timeoutMs: 2000 });
  }

  /** Stops every watch, releases held locks, and closes idle connections. */
  async close(): Promise<void> {
    this.closing.abort(new Error('the Consul backend was closed'));
    for (const stop of [...this.watches]) stop();
    await Promise.all([...this.locks].map((lock) => lock.release().catch(() => undefined)));
    this.locks.clear();
    this.client.close();
  }

  /** Whether writes go through the cache: a lock is held and not known lost. */
  private fenced(): boolean {
    return this.fence !== undefined && this.fence.lostReason === undefined;
  }

  /**
   * Whether a read may be answered from the cache: the lock is held, and its session is still
   * vouched for by this node's own clock (LockSession.vouchedUntil). Past that, another node may
   * already hold the lock and have written, so reads go to Consul — they stay correct even on a
   * node that is frozen, resumed, and has not noticed yet that it was deposed.
   */
  private cacheReadable(): boolean {
    const fence = this.fence;
    return fence !== undefined && fence.lostReason === undefined && Date.now() < fence.vouchedUntil();
  }

  /** Sends a write (through the cache while the lock is held); `changes` is what it leaves per key. */
  private async write(ops: ConsulTxnOp[], changes: readonly CacheWrite[]): Promise<void> {
    assertWithinLimits(ops, this.settings.prefix);
    if (this.fenced()) await this.cache.write(changes, () => this.send(ops));
    else await this.send(ops);
  }

  /** The group commit of writes fenced by `fence` (a new one with each lock). */
  private batcherOf(fence: Fence): TxnBatcher {
    if (this.batcher?.fence !== fence) {
      const batcher = new TxnBatcher(async (ops) => {
        // Queued under this fence: never sent once it is gone, even if another lock is held by then.
        if (fence.lostReason !== undefined) throw new LockLostError(fence.lostReason.message);
        return await this.client.txn([
          { verb: 'check-session', key: fence.key, session: fence.session },
          ...ops,
        ]);
      });
      this.batcher = { fence, batcher };
    }
    return this.batcher.batcher;
  }

  /** Sends a write: fenced by the held lock when there is one (group-committed), plain otherwise. */
  private async send(ops: ConsulTxnOp[]): Promise<void> {
    const fence = this.fence;
    if (fence === undefined) {
      const [only] = ops;
      if (ops.length === 1 && only !== undefined) {
        if (only.verb === 'set') await this.client.kvPut(only.key, only.value);
        else await this.client.kvDelete(only.key);
        return;
      }
      const outcome = await this.client.txn(ops);
      if (!outcome.ok)
        throw new StorageError(
          `consul transaction rolled back: ${outcome.errors.map((e) => e.what).join('; ')}`,
        );
      return;
    }
    if (fence.lostReason !== undefined) throw new LockLostError(fence.lostReason.message);
    const outcome = await this.batcherOf(fence).submit(ops);
    if (outcome.ok) return;
    const check = outcome.errors.find((e) => e.opIndex === 0);
    if (check !== undefined) {
      const reason = new Error(`a fenced write was refused: ${check.what}`);
      fence.lost(reason);
      throw new LockLostError(check.what);
    }
    throw new StorageError(`consul transaction rolled back: ${outcome.errors.map((e) => e.what).join('; ')}`);
  }
}

/** The advertisement in a lock key, when a session holds it. */
function advertisementOf(pair: KvPair | undefined): LeaderAdvertisement | undefined {
  return pair?.session === undefined ? undefined : decodeAdvertisement(pair.value);
}
