import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage } from '../../helpers/memory-storage.js';
import { ExpirationManager } from '../../../src/core/expiration/expiration-manager.js';
import type { LeaseEntry } from '../../../src/core/expiration/lease-entry.js';
import { bucketOf } from '../../../src/core/expiration/lease-entry.js';
import { silentLogger } from '../../../src/helper/logger.js';

const now = (): number => Math.floor(Date.now() / 1000);

function lease(id: string, over: Partial<LeaseEntry> = {}): LeaseEntry {
  return {
    leaseId: id,
    kind: 'secret',
    path: id.split('/').slice(0, -1).join('/'),
    mountPrefix: 'db/',
    tokenSalted: 'htoken',
    internalData: { user: id },
    issueTime: now(),
    lastRenewal: 0,
    expireTime: now() + 3600,
    maxExpireTime: now() + 7200,
    renewable: true,
    ...over,
  };
}

describe('expiration manager', () => {
  it('revokes a lease when it expires, through its revoker', async () => {
    const revoked: string[] = [];
    const m = new ExpirationManager(
      new MemoryStorage(),
      (l) => {
        revoked.push(l.leaseId);
        return Promise.resolve();
      },
      silentLogger(),
    );
    await m.start();
    try {
      await m.register(lease('db/creds/app/a1', { expireTime: now() + 1 }));
      await m.register(lease('db/creds/app/a2'));
      const deadline = Date.now() + 5000;
      while (revoked.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(revoked, ['db/creds/app/a1']);
      assert.equal(await m.lookup('db/creds/app/a1'), undefined);
      assert.ok((await m.lookup('db/creds/app/a2')) !== undefined);
    } finally {
      m.stop();
    }
  });

  it('renews within the max TTL and refuses non-renewable or unknown leases', async () => {
    const m = new ExpirationManager(new MemoryStorage(), () => Promise.resolve(), silentLogger());
    await m.register(lease('db/creds/app/r1', { maxExpireTime: now() + 100 }));
    const renewed = await m.renew('db/creds/app/r1', 3600, 60);
    assert.ok(renewed.expireTime <= now() + 100, 'capped at the max TTL');
    await m.register(lease('db/creds/app/r2', { renewable: false }));
    await assert.rejects(m.renew('db/creds/app/r2', 10, 10), /not renewable/);
    await assert.rejects(m.renew('db/creds/app/nope', 10, 10), /invalid lease ID/);
    await assert.rejects(m.revoke('db/creds/app/nope'), /invalid lease ID/);
    await assert.rejects(m.revoke('../../etc'), /invalid lease ID/);
  });

  it('revokes by prefix and by creating token; a failing revoker keeps the lease unless forced', async () => {
    const revoked: string[] = [];
    let fail = true;
    const m = new ExpirationManager(
      new MemoryStorage(),
      (l) => {
        if (fail && l.leaseId.endsWith('stuck')) return Promise.reject(new Error('database down'));
        revoked.push(l.leaseId);
        return Promise.resolve();
      },
      silentLogger(),
    );
    for (const id of ['db/creds/a/1', 'db/creds/a/2', 'db/creds/b/1']) await m.register(lease(id));
    await m.register(lease('db/creds/c/stuck', { tokenSalted: 'hother' }));
    assert.equal(await m.revokePrefix('db/creds/a'), 2);
    assert.deepEqual(revoked.sort(), ['db/creds/a/1', 'db/creds/a/2']);
    await m.revokeByToken('htoken');
    assert.ok(revoked.includes('db/creds/b/1'));
    await assert.rejects(m.revoke('db/creds/c/stuck'), /database down/);
    assert.ok((await m.lookup('db/creds/c/stuck')) !== undefined, 'a failed revocation keeps the lease');
    await m.revoke('db/creds/c/stuck', true);
    assert.equal(await m.lookup('db/creds/c/stuck'), undefined, 'revoke-force removes it');
    fail = false;
  });

  it('indexes leases by expiry minute, so a restart reads only upcoming buckets', async () => {
    const storage = new MemoryStorage();
    const first = new ExpirationManager(storage, () => Promise.resolve(), silentLogger());
    await first.register(lease('db/creds/x/soon', { expireTime: now() + 30 }));
    await first.register(lease('db/creds/x/later', { expireTime: now() + 86_400 }));
    const buckets = await storage.list('time/');
    assert.deepEqual(buckets.sort(), [`${bucketOf(now() + 30)}/`, `${bucketOf(now() + 86_400)}/`].sort());
    let reads = 0;
    let leaseReads = 0;
    const counting = new Proxy(storage, {
      get(target, prop, receiver) {
        if (prop === 'get')
          return (k: string) => {
            if (k.startsWith('id/')) leaseReads++;
            if (k.startsWith('time/')) reads++;
            return target.get(k);
          };
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const second = new ExpirationManager(counting, () => Promise.resolve(), silentLogger());
    await second.start();
    await second.loaded();
    second.stop();
    assert.equal(
      reads,
      1,
      'only the index entry of the lease expiring within the look-ahead window was read',
    );
    assert.equal(leaseReads, 0, 'loading reads the index only; the tick reads a lease when it is due');
  });

  it('loads in the background; a lease registered or renewed meanwhile still expires', async () => {
    const storage = new MemoryStorage();
    const first = new ExpirationManager(storage, () => Promise.resolve(), silentLogger());
    for (let i = 0; i < 200; i++)
      await first.register(lease(`db/creds/x/old${i}`, { expireTime: now() + 1 }));
    // Reads of the index answer slowly, so the load is still running when start() returns.
    const slow = new Proxy(storage, {
      get(target, prop, receiver) {
        if (prop === 'get')
          return async (k: string) => {
            await new Promise((r) => setTimeout(r, 1));
            return target.get(k);
          };
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const revoked: string[] = [];
    const second = new ExpirationManager(
      slow,
      (l) => {
        revoked.push(l.leaseId);
        return Promise.resolve();
      },
      silentLogger(),
    );
    await second.start();
    await second.register(lease('db/creds/x/during', { expireTime: now() + 1 }));
    await second.loaded();
    await new Promise((r) => setTimeout(r, 2_500));
    second.stop();
    assert.ok(revoked.includes('db/creds/x/during'), 'registered during the load');
    assert.equal(revoked.filter((id) => id.includes('/old')).length, 200, 'every loaded lease');
  });
  it('a lease loaded from its minute waits for its exact time; a stale index entry is removed', async () => {
    const storage = new MemoryStorage();
    const first = new ExpirationManager(storage, () => Promise.resolve(), silentLogger());
    // Expires at the end of the current minute: loaded as due from the minute's start, which has passed.
    if (now() % 60 > 54) await new Promise((r) => setTimeout(r, (61 - (now() % 60)) * 1000));
    const later = Math.floor(now() / 60) * 60 + 59;
    await first.register(lease('db/creds/x/later', { expireTime: later }));
    const staleExpire = now() + 1;
    await first.register(lease('db/creds/x/stale', { expireTime: staleExpire }));
    await storage.delete('id/db/creds/x/stale'); // the record gone, its index entry left behind
    const revoked: string[] = [];
    const second = new ExpirationManager(
      storage,
      (l) => {
        revoked.push(l.leaseId);
        return Promise.resolve();
      },
      silentLogger(),
    );
    await second.start();
    await second.loaded();
    await new Promise((r) => setTimeout(r, 2_500));
    second.stop();
    assert.deepEqual(revoked, [], 'nothing revoked before its time');
    assert.equal(
      (
        await Promise.all(
          (await storage.list(`time/${bucketOf(staleExpire)}/`)).map((h) =>
            storage.get(`time/${bucketOf(staleExpire)}/${h}`),
          ),
        )
      ).some((v) => v?.toString() === 'db/creds/x/stale'),
      false,
      'the stale index entry was removed',
    );
    assert.ok(later > now(), 'the test ran within the lease lifetime');
  });
});
