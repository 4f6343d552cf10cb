/* eslint-disable @typescript-eslint/require-await -- an in-memory store implements an async interface without awaiting anything */
import type { PhysicalBackend, PhysicalEntry, TxnOp } from './types.js';
import { assertValidKey } from './types.js';

/** In-memory storage for the dev server and tests. Values are copied in and out. */
export class InmemBackend implements PhysicalBackend {
  readonly type = 'inmem';
  private readonly data = new Map<string, Buffer>();

  async get(key: string): Promise<PhysicalEntry | undefined> {
    const value = this.data.get(key);
    return value === undefined ? undefined : { key, value: Buffer.from(value) };
  }

  async put(entry: PhysicalEntry): Promise<void> {
    assertValidKey(entry.key);
    this.data.set(entry.key, Buffer.from(entry.value));
  }

  async delete(key: string): Promise<void> {
    this.data.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    const out = new Set<string>();
    for (const key of this.data.keys()) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      out.add(slash === -1 ? rest : rest.slice(0, slash + 1));
    }
    return [...out].sort();
  }

  async transaction(ops: readonly TxnOp[]): Promise<void> {
    for (const op of ops) if (op.op === 'put') assertValidKey(op.entry.key);
    for (const op of ops) {
      if (op.op === 'put') this.data.set(op.entry.key, Buffer.from(op.entry.value));
      else this.data.delete(op.key);
    }
  }

  /** Every stored entry, for tests that scan raw storage. */
  *entries(): IterableIterator<[string, Buffer]> {
    yield* this.data.entries();
  }
}
