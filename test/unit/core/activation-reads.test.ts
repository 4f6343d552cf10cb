import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InmemBackend } from '../../../src/physical/inmem.js';
import type { PhysicalEntry } from '../../../src/physical/types.js';
import { Core } from '../../../src/core/core.js';
import { ACTIVATION_READS } from '../../../src/core/storage-keys.js';
import { silentLogger } from '../../../src/helper/logger.js';
import { builtinCatalog } from '../../../src/builtin/catalog.js';

/** Inmem storage that records what is prefetched and every key read after that. */
class RecordingBackend extends InmemBackend {
  prefetched: string[] | undefined;
  readsAfterPrefetch: string[] = [];
  prefetch(keys: readonly string[]): Promise<void> {
    this.prefetched = [...keys];
    this.readsAfterPrefetch = [];
    return Promise.resolve();
  }
  override get(key: string): Promise<PhysicalEntry | undefined> {
    if (this.prefetched !== undefined) this.readsAfterPrefetch.push(key);
    return super.get(key);
  }
}

const unique = (keys: readonly string[]): string[] => [...new Set(keys)].sort();

/**
 * A node becoming active (Core's activation, the same on unseal without HA and on promotion) reads
 * exactly the keys it asks storage to prefetch: none read one by one after all, none fetched for
 * nothing. Mounts of several kinds, policies and tokens are in storage, so a load that starts reading
 * per mount or per policy shows here.
 */
describe('what a node reads as it becomes active', () => {
  it('is prefetched in one call: ACTIVATION_READS, and nothing else', async () => {
    const physical = new RecordingBackend();
    const core = await Core.create({
      physical,
      logger: silentLogger(),
      catalog: builtinCatalog(),
      defaultLeaseTtl: 3600,
      maxLeaseTtl: 7200,
    });
    const { keys, rootToken } = await core.initialize({ secretShares: 1, secretThreshold: 1 });
    await core.submitUnsealKey(keys[0]?.toString('hex'));
    assert.deepEqual(physical.prefetched, [...ACTIVATION_READS]);

    // A refused request throws (VaultError), which fails the test.
    const call = async (path: string, data: Record<string, unknown>): Promise<void> => {
      await core.handleRequest({
        operation: 'update',
        path,
        data,
        clientToken: rootToken,
        remoteAddress: '127.0.0.1',
        headers: {},
      });
    };
    await call('sys/mounts/secret', { type: 'kv', options: { version: '2' } });
    await call('sys/mounts/kv1', { type: 'kv' });
    await call('sys/auth/userpass', { type: 'userpass' });
    await call('sys/auth/approle', { type: 'approle' });
    await call('sys/policies/acl/reader', { policy: 'path "secret/*" { capabilities = ["read"] }' });
    await call('auth/token/create', { policies: ['reader'], ttl: '1h' });
    await call('secret/data/a', { data: { v: 1 } });

    await core.sealNode();
    physical.prefetched = undefined;
    await core.submitUnsealKey(keys[0]?.toString('hex'));
    assert.deepEqual(physical.prefetched, [...ACTIVATION_READS], 'unsealing prefetches again');
    assert.deepEqual(
      unique(physical.readsAfterPrefetch),
      unique(ACTIVATION_READS),
      'the activation reads what it prefetched, and only that',
    );
  });
});
