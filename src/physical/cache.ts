import type { PhysicalBackend, PhysicalEntry, TxnOp } from './types.js';
import { ReadCache, txnChanges, type ReadCacheLimits } from './read-cache.js';

/**
 * A physical backend behind a read cache (src/physical/read-cache.ts), for storage that this
 * process alone writes (file storage). `purge` drops everything.
 */
export class CachedBackend implements PhysicalBackend {
  private readonly cache: ReadCache;

  constructor(
    private readonly inner: PhysicalBackend,
    limits: ReadCacheLimits = {},
  ) {
    this.cache = new ReadCache(limits);
  }

  get type(): string {
    return this.inner.type;
  }

  async get(key: string): Promise<PhysicalEntry | undefined> {
    const value = await this.cache.read(key, async () => (await this.inner.get(key))?.value);
    return value === undefined ? undefined : { key, value };
  }

  put(entry: PhysicalEntry): Promise<void> {
    return this.cache.write([{ key: entry.key, value: Buffer.from(entry.value) }], () =>
      this.inner.put(entry),
    );
  }

  delete(key: string): Promise<void> {
    return this.cache.write([{ key, value: null }], () => this.inner.delete(key));
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }

  transaction(ops: readonly TxnOp[]): Promise<void> {
    const txn = this.inner.transaction?.bind(this.inner);
    if (txn === undefined) return Promise.reject(new Error(`${this.inner.type} storage has no transactions`));
    return this.cache.write(txnChanges(ops), () => txn(ops));
  }

  async close(): Promise<void> {
    this.purge();
    await this.inner.close?.();
  }

  purge(): void {
    this.cache.purge();
  }
}
