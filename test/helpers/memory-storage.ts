import type { Storage, StorageOp } from '../../src/logical/types.js';

/**
 * An in-memory `Storage` for tests: values are copied in and out, `list` returns one level with
 * folders ending in "/", and each operation can be made to fail (`failGet = true`, …) with an
 * "injected … failure" error.
 */
export class MemoryStorage implements Storage {
  readonly data = new Map<string, Buffer>();
  failGet = false;
  failPut = false;
  failDelete = false;
  failList = false;
  failTransaction = false;
  /** Transactions applied, for assertions. */
  readonly transactions: (readonly StorageOp[])[] = [];

  get(key: string): Promise<Buffer | undefined> {
    if (this.failGet) return Promise.reject(new Error(`injected get failure: ${key}`));
    const value = this.data.get(key);
    return Promise.resolve(value === undefined ? undefined : Buffer.from(value));
  }

  put(key: string, value: Buffer): Promise<void> {
    if (this.failPut) return Promise.reject(new Error(`injected put failure: ${key}`));
    this.data.set(key, Buffer.from(value));
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    if (this.failDelete) return Promise.reject(new Error(`injected delete failure: ${key}`));
    this.data.delete(key);
    return Promise.resolve();
  }

  list(prefix: string): Promise<string[]> {
    if (this.failList) return Promise.reject(new Error(`injected list failure: ${prefix}`));
    const out = new Set<string>();
    for (const key of this.data.keys()) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      out.add(slash === -1 ? rest : rest.slice(0, slash + 1));
    }
    return Promise.resolve([...out].sort());
  }

  /** All or nothing: a failing transaction changes nothing. */
  transaction(ops: readonly StorageOp[]): Promise<void> {
    if (this.failTransaction) return Promise.reject(new Error('injected transaction failure'));
    for (const o of ops) {
      if (o.op === 'put') this.data.set(o.key, Buffer.from(o.value));
      else this.data.delete(o.key);
    }
    this.transactions.push(ops);
    return Promise.resolve();
  }

  /** The stored value as UTF-8 text, for assertions. */
  text(key: string): string | undefined {
    return this.data.get(key)?.toString('utf8');
  }
}
