import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { CONSUL_START_TIMEOUT, startConsul, type ConsulAgent } from '../../helpers/consul.js';
import { LOCK, LockTestBed, PATIENCE, advertisement, within } from './lock-helpers.js';

const TEST_TIMEOUT = 120_000;

/**
 * The read cache of storage "consul" (consul/storage/backend.ts). A write made straight to Consul
 * behind the backend's back tells a cached read (the old value) from a read of Consul (the new one).
 */
describe('storage "consul" read cache on a real Consul agent', () => {
  let agent: ConsulAgent;
  let bed: LockTestBed;

  before(
    async () => {
      agent = await startConsul();
      bed = new LockTestBed(agent);
    },
    { timeout: CONSUL_START_TIMEOUT },
  );

  afterEach(async () => {
    await bed.reset();
  });

  after(async () => {
    await agent.stop();
  });

  async function rawPut(key: string, value: string): Promise<void> {
    const res = await fetch(`http://${agent.httpAddr}/v1/kv/vault/${key}`, { method: 'PUT', body: value });
    assert.equal(res.status, 200);
  }

  const text = async (p: Promise<{ value: Buffer } | undefined>): Promise<string | undefined> =>
    (await p)?.value.toString();

  it(
    'serves the lock holder from memory, never a node without the lock, and starts empty with each lock',
    { timeout: TEST_TIMEOUT },
    async () => {
      const active = bed.node();
      const standby = bed.node();
      const lock = active.lock(LOCK, advertisement('node-a'));
      await within(bed.acquire(lock), PATIENCE, 'the lock');

      await active.put({ key: 'cache/k', value: Buffer.from('v1') });
      assert.equal(await text(active.get('cache/k')), 'v1');
      await rawPut('cache/k', 'out-of-band');
      assert.equal(await text(active.get('cache/k')), 'v1', 'the holder answers from its cache');
      assert.equal(await text(standby.get('cache/k')), 'out-of-band', 'a standby reads Consul');
      assert.equal(await text(standby.get('cache/k')), 'out-of-band');

      // Absent keys are cached too, and a write through the holder replaces what it cached.
      assert.equal(await active.get('cache/absent'), undefined);
      await rawPut('cache/absent', 'now-present');
      assert.equal(await active.get('cache/absent'), undefined);
      await active.put({ key: 'cache/absent', value: Buffer.from('mine') });
      assert.equal(await text(active.get('cache/absent')), 'mine');
      await active.transaction([
        { op: 'put', entry: { key: 'cache/t1', value: Buffer.from('t1') } },
        { op: 'delete', key: 'cache/absent' },
      ]);
      assert.equal(await text(active.get('cache/t1')), 't1');
      assert.equal(await active.get('cache/absent'), undefined);

      // purge (what a node does on promotion) forgets everything.
      active.purge();
      assert.equal(await text(active.get('cache/k')), 'out-of-band');

      // Without the lock: every read goes to Consul.
      await rawPut('cache/k', 'second');
      await lock.release();
      assert.equal(await text(active.get('cache/k')), 'second', 'released: no cache');
      await rawPut('cache/k', 'third');
      assert.equal(await text(active.get('cache/k')), 'third');

      // A new lock starts with an empty cache: nothing read under the last one survives.
      const again = active.lock(LOCK, advertisement('node-a'));
      await within(bed.acquire(again), PATIENCE, 'the lock again');
      await rawPut('cache/k', 'fourth');
      assert.equal(await text(active.get('cache/k')), 'fourth', 'fresh lock, fresh cache');
    },
  );

  it(
    'stops using the cache once the lock is lost, and the next holder reads what Consul holds',
    { timeout: TEST_TIMEOUT },
    async () => {
      const a = bed.node();
      const b = bed.node();
      const lockA = a.lock(LOCK, advertisement('node-a'));
      const lost = await within(bed.acquire(lockA), PATIENCE, 'node a to acquire');
      await a.put({ key: 'cache/handover', value: Buffer.from('from-a') });
      assert.equal(await text(a.get('cache/handover')), 'from-a');

      // An operator destroys a's session: the lock goes to b, which writes.
      const session = await bed.holderSession();
      assert.ok(session !== undefined);
      await bed.consul('PUT', `session/destroy/${session}`);
      const lockB = b.lock(LOCK, advertisement('node-b'));
      await within(bed.acquire(lockB), PATIENCE, 'node b to acquire');
      await b.put({ key: 'cache/handover', value: Buffer.from('from-b') });
      assert.equal(await text(b.get('cache/handover')), 'from-b');
      await within(
        new Promise((resolve) => {
          if (lost.aborted) resolve(undefined);
          else lost.addEventListener('abort', resolve);
        }),
        PATIENCE,
        'node a to notice',
      );
      assert.equal(await text(a.get('cache/handover')), 'from-b', 'a, no longer fenced, reads Consul');
    },
  );

  it(
    'answers from Consul, not the cache, once the session is no longer vouched for, even before the watchdog runs',
    { timeout: TEST_TIMEOUT },
    async () => {
      const active = bed.node();
      const lock = active.lock(LOCK, advertisement('node-a'));
      await within(bed.acquire(lock), PATIENCE, 'the lock');
      await active.put({ key: 'cache/stalled', value: Buffer.from('cached') });
      assert.equal(await text(active.get('cache/stalled')), 'cached');
      await rawPut('cache/stalled', 'written-by-the-next-holder');
      assert.equal(await text(active.get('cache/stalled')), 'cached', 'still vouched for: the cache answers');
      // The event loop stalls past 3/4 of check_ttl (1 s here): no pass, renewal or watchdog timer runs.
      // A read started right after the stall, before any timer, must not trust the cache: by now
      // Consul may have ended the session and another node may have written.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 900);
      assert.equal(await text(active.get('cache/stalled')), 'written-by-the-next-holder');
    },
  );
  it(
    'prefetches many keys in one read-only transaction, missing ones included, for the lock holder',
    { timeout: TEST_TIMEOUT },
    async () => {
      const active = bed.node();
      const lock = active.lock(LOCK, advertisement('node-a'));
      await within(bed.acquire(lock), PATIENCE, 'the lock');

      // More keys than one transaction holds, with missing ones among them (each rolls a
      // transaction of `get`s back, and the rest is read again).
      const keys = Array.from({ length: 150 }, (_, i) => `prefetch/k${i}`);
      const present = keys.filter((_, i) => i % 3 !== 1);
      for (const key of present) await rawPut(key, `value of ${key}`);
      const pairs = await active.client.kvGetMany(keys.map((k) => `vault/${k}`));
      assert.equal(pairs.size, keys.length);
      for (const key of keys) {
        const expected = present.includes(key) ? `value of ${key}` : undefined;
        assert.equal(pairs.get(`vault/${key}`)?.value.toString(), expected, key);
      }

      // Prefetched values (and absences) answer from the cache: writes behind its back do not show.
      await active.prefetch(['prefetch/k0', 'prefetch/k1', 'prefetch/k2']);
      for (const key of ['prefetch/k0', 'prefetch/k1', 'prefetch/k2']) await rawPut(key, 'behind the back');
      assert.equal(await text(active.get('prefetch/k0')), 'value of prefetch/k0');
      assert.equal(await active.get('prefetch/k1'), undefined, 'known absent');
      assert.equal(await text(active.get('prefetch/k2')), 'value of prefetch/k2');
      // What was not prefetched is read from Consul.
      assert.equal(await text(active.get('prefetch/k3')), 'value of prefetch/k3');

      // A node without the lock caches nothing, so it prefetches nothing either.
      const standby = bed.node();
      await standby.prefetch(['prefetch/k0']);
      assert.equal(await text(standby.get('prefetch/k0')), 'behind the back');
    },
  );
});
