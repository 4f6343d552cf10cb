import type { Storage, StorageOp } from '../../logical/types.js';
import { InvalidRequestError } from '../../helper/errors.js';
import { applyOps } from '../../logical/apply-ops.js';

/**
 * A storage view: the same verbs, confined to a prefix. Keys with "." or ".." segments are
 * refused so that no engine can read or write outside its view.
 */
export class StorageView implements Storage {
  constructor(
    private readonly inner: Storage,
    readonly prefix: string,
  ) {}

  subView(prefix: string): StorageView {
    return new StorageView(this.inner, this.prefix + prefix);
  }

  async get(key: string): Promise<Buffer | undefined> {
    return this.inner.get(this.full(key));
  }

  async put(key: string, value: Buffer): Promise<void> {
    await this.inner.put(this.full(key), value);
  }

  async delete(key: string): Promise<void> {
    await this.inner.delete(this.full(key));
  }

  async transaction(ops: readonly StorageOp[]): Promise<void> {
    await applyOps(
      this.inner,
      ops.map((o): StorageOp => ({ ...o, key: this.full(o.key) })),
    );
  }

  async list(prefix: string): Promise<string[]> {
    if (prefix !== '') this.check(prefix.replace(/\/$/, ''));
    return this.inner.list(this.prefix + prefix);
  }

  private full(key: string): string {
    this.check(key);
    return this.prefix + key;
  }

  private check(key: string): void {
    if (key === '' || key.startsWith('/') || key.includes('\0'))
      throw new InvalidRequestError(`invalid path "${key}"`);
    for (const segment of key.split('/')) {
      if (segment === '.' || segment === '..')
        throw new InvalidRequestError(`invalid path "${key}": "." and ".." segments are not allowed`);
    }
  }
}
