/**
 * A read cache of what a physical backend holds (ciphertext: the barrier still decrypts every
 * read), exact as long as every write to the backend goes through it: true of file storage (one
 * process per directory) and of Consul storage on the active node (fencing makes it the only
 * writer). `purge` forgets every read, for when another writer may have written (promotion).
 *
 * Each key has one slot: a value (or "known absent"), a load in flight, or writes in flight.
 *   - A read of a cached key answers from memory; reads of a key being loaded share that load.
 *   - A load stores its result only if its slot is still there when it finishes: a write started
 *     meanwhile replaced it, so a slow read can never put back a value older than a write.
 *   - While a key is being written, reads go to the backend and store nothing (the write is not
 *     acknowledged yet). When the last write of the key finishes, its value is cached, unless the
 *     key's writes overlapped or one failed: then the backend alone knows which landed, and the
 *     slot is dropped.
 *   - Slots being written are never evicted and survive `purge` (marked, so they end dropped):
 *     otherwise a load could start under an in-flight write and cache what the write replaces.
 * Bounded by entries and by bytes of cached values; eviction takes the oldest value not read since
 * eviction last passed it (a second chance: a hit only sets a flag, it does not reorder the map).
 */

import type { TxnOp } from './types.js';

interface ValueSlot {
  readonly state: 'value';
  /** null: known to be absent. */
  readonly value: Buffer | null;
  /** Read since it was last passed over for eviction (second chance, instead of reordering per hit). */
  used: boolean;
}

interface LoadingSlot {
  readonly state: 'loading';
  readonly promise: Promise<Buffer | undefined>;
}

interface WritingSlot {
  readonly state: 'writing';
  pending: number;
  /** Overlapping or failed writes: drop the slot when the last one ends. */
  unsure: boolean;
  value: Buffer | null;
}

type Slot = ValueSlot | LoadingSlot | WritingSlot;

/** Limits of a ReadCache. */
export interface ReadCacheLimits {
  /** Default 32,768 keys. */
  readonly maxEntries?: number;
  /** Bytes of cached values; default 64 MiB. A value larger than an eighth of it is not cached. */
  readonly maxBytes?: number;
}

/** A key's value after a write: the bytes put, or null for a delete. */
export interface CacheWrite {
  readonly key: string;
  readonly value: Buffer | null;
}

export class ReadCache {
  private readonly slots = new Map<string, Slot>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(limits: ReadCacheLimits = {}) {
    this.maxEntries = limits.maxEntries ?? 32_768;
    this.maxBytes = limits.maxBytes ?? 64 * 2 ** 20;
  }

  /** Keys held (values, loads and writes); for tests and metrics. */
  get size(): number {
    return this.slots.size;
  }

  /** The value of `key`, from memory or from `load` (which reads the backend). */
  read(key: string, load: () => Promise<Buffer | undefined>): Promise<Buffer | undefined> {
    const slot = this.slots.get(key);
    if (slot?.state === 'value') {
      slot.used = true;
      return Promise.resolve(slot.value ?? undefined);
    }
    if (slot?.state === 'loading') return slot.promise;
    if (slot?.state === 'writing') return load();
    return this.loading(key, load());
  }

  /**
   * Reads the keys the cache holds nothing of (no value, load or write) through one `loadMany`
   * (the backend's batched read; a key it leaves out is absent), as if each were read on its own:
   * reads meanwhile share the load, and a write meanwhile wins over it. Resolves once loaded;
   * rejects with `loadMany`'s error (nothing is cached then).
   */
  async prefetch(
    keys: readonly string[],
    loadMany: (keys: string[]) => Promise<ReadonlyMap<string, Buffer | undefined>>,
  ): Promise<void> {
    const wanted = [...new Set(keys)].filter((key) => !this.slots.has(key));
    if (wanted.length === 0) return;
    const batch = loadMany(wanted);
    for (const key of wanted)
      void this.loading(
        key,
        batch.then((values) => values.get(key)),
      );
    await batch;
  }

  /** Marks `key` as loading by `promise`, whose value is remembered if no write came meanwhile. */
  private loading(key: string, promise: Promise<Buffer | undefined>): Promise<Buffer | undefined> {
    const loading: LoadingSlot = { state: 'loading', promise };
    this.slots.set(key, loading);
    promise.then(
      (value) => {
        if (this.slots.get(key) !== loading) return;
        this.slots.delete(key);
        this.remember(key, value ?? null);
      },
      () => {
        if (this.slots.get(key) === loading) this.slots.delete(key);
      },
    );
    return promise;
  }

  /** Applies a write through `apply` (the backend's write), keeping the cache exact around it. */
  async write(changes: readonly CacheWrite[], apply: () => Promise<void>): Promise<void> {
    const mine = new Map<string, WritingSlot>();
    for (const { key, value } of changes) {
      const slot = this.slots.get(key);
      if (slot?.state === 'writing') {
        if (!mine.has(key)) slot.pending++;
        slot.unsure = true;
        slot.value = value;
        mine.set(key, slot);
        continue;
      }
      if (slot?.state === 'value') this.forget(key, slot);
      const writing: WritingSlot = { state: 'writing', pending: 1, unsure: false, value };
      this.slots.set(key, writing);
      mine.set(key, writing);
    }
    let failed = false;
    try {
      await apply();
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      for (const [key, slot] of mine) {
        if (failed) slot.unsure = true;
        slot.pending--;
        if (slot.pending > 0 || this.slots.get(key) !== slot) continue;
        this.slots.delete(key);
        if (!slot.unsure) this.remember(key, slot.value);
      }
    }
  }

  /** Forgets every read; writes in flight stay tracked but will not be cached. */
  purge(): void {
    for (const [key, slot] of this.slots) {
      if (slot.state === 'writing') slot.unsure = true;
      else this.slots.delete(key);
    }
    this.bytes = 0;
  }

  private remember(key: string, value: Buffer | null): void {
    const size = value?.length ?? 0;
    if (size > this.maxBytes / 8) return;
    while (this.slots.size >= this.maxEntries || this.bytes + size > this.maxBytes) {
      if (!this.evictOldest()) return;
    }
    this.slots.set(key, { state: 'value', value, used: false });
    this.bytes += size;
  }

  /**
   * Drops the oldest slot that is neither being written nor read since eviction last passed it
   * (those read go to the back, once); false when there is none.
   */
  private evictOldest(): boolean {
    let budget = 2 * this.slots.size + 1; // every slot passed over at most twice
    for (const [key, slot] of this.slots) {
      if (budget-- < 0) break;
      if (slot.state === 'writing') continue;
      if (slot.state === 'value' && slot.used) {
        slot.used = false;
        this.slots.delete(key);
        this.slots.set(key, slot);
        continue;
      }
      if (slot.state === 'value') this.forget(key, slot);
      else this.slots.delete(key);
      return true;
    }
    return false;
  }

  private forget(key: string, slot: ValueSlot): void {
    this.slots.delete(key);
    this.bytes -= slot.value?.length ?? 0;
  }
}

/** What a transaction leaves in each key it touches (its last operation on the key). */
export function txnChanges(ops: readonly TxnOp[]): CacheWrite[] {
  const last = new Map<string, Buffer | null>();
  for (const op of ops) {
    if (op.op === 'put') last.set(op.entry.key, Buffer.from(op.entry.value));
    else last.set(op.key, null);
  }
  return [...last].map(([key, value]) => ({ key, value }));
}
