import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenStore } from '../../../src/core/token/token-store.js';
import { MemoryStorage } from '../../helpers/memory-storage.js';

/** A MemoryStorage whose next read of one key answers what was there when it began, only when released. */
class SlowReadStorage extends MemoryStorage {
  private held: { key: string; release: Promise<void> } | undefined;

  holdNextRead(key: string): () => void {
    let release: () => void = () => undefined;
    this.held = { key, release: new Promise<void>((resolve) => (release = resolve)) };
    return release;
  }

  override async get(key: string): Promise<Buffer | undefined> {
    const held = this.held;
    if (held?.key !== key) return super.get(key);
    this.held = undefined;
    const value = await super.get(key); // read now …
    await held.release; // … answer later, after other requests changed the entry
    return value;
  }
}

describe('TokenStore cache: a slow read never brings back what a write replaced', () => {
  it('a spent single use stays spent', async () => {
    const storage = new SlowReadStorage();
    const tokens = await TokenStore.open(storage);
    const { id } = await tokens.create({ policies: ['default'], numUses: 1, path: 'auth/token/create' });
    tokens.invalidate();
    const release = storage.holdNextRead(`id/${tokens.saltedId(id)}`);
    const slowLookup = tokens.lookup(id); // reads the entry with its one use …
    assert.equal((await tokens.use(id))?.last, true); // … which this request then spends
    release();
    await slowLookup;
    assert.equal(await tokens.use(id), undefined, 'the spent use must not come back from the cache');
  });

  it('a revoked token stays revoked', async () => {
    const storage = new SlowReadStorage();
    const tokens = await TokenStore.open(storage);
    const { id } = await tokens.create({ policies: ['default'], path: 'auth/token/create' });
    tokens.invalidate();
    const release = storage.holdNextRead(`id/${tokens.saltedId(id)}`);
    const slowLookup = tokens.lookup(id);
    await tokens.revokeTree(id);
    release();
    await slowLookup;
    assert.equal(await tokens.lookup(id), undefined, 'the revoked entry must not come back from the cache');
  });
});
