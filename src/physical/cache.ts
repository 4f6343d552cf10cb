import type { PhysicalBackend, PhysicalEntry, TxnOp } from './types.js';

/**
 * A read cache in front of a physical backend: it holds what the backend holds (ciphertext, the
 * barrier decrypts on every read) for the most recently used keys. Writes go through and update
 * it, so it is exact as long as this process is the only writer; `purge` drops everything (a node
 * becoming active must purge, since another node wrote meanwhile).
 */
export class CachedBackend implements PhysicalBackend {
  private readonly entries = new Map<string, Buffer | null>(); // null: known to be absent

  constructor(
    private readonly inner: PhysicalBackend,
    private readonly maxEntries = 32_768,
  ) {}

  get type(): string {
    return this.inner.type;
  }

  async get(key: string): Promise<PhysicalEntry | undefined> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // refresh recency
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit === null ? undefined : { key, value: hit };
    }
    const entry = await this.inner.get(key);
    this.remember(key, entry?.value ?? null);
    return entry;
  }

  async put(entry: PhysicalEntry): Promise<void> {
    this.entries.delete(entry.key);
    await this.inner.put(entry);
    this.remember(entry.key, Buffer.from(entry.value));
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
    await this.inner.delete(key);
    this.remember(key, null);
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }

  async transaction(ops: readonly TxnOp[]): Promise<void> {
    for (const op of ops) this.entries.delete(op.op === 'put' ? op.entry.key : op.key);
    if (this.inner.transaction === undefined)
      throw new Error(`${this.inner.type} storage has no transactions`);
    await this.inner.transaction(ops);
  }

  async close(): Promise<void> {
    this.purge();
    await this.inner.close?.();
  }

  purge(): void {
    this.entries.clear();
  }

  private remember(key: string, value: Buffer | null): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, value);
  }
}
