import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { LockLostError } from '../../../consul/lock/fencing.js';
import { CONSUL_START_TIMEOUT, startConsul, type ConsulAgent } from '../../helpers/consul.js';
import {
  LOCK,
  LockTestBed,
  PATIENCE,
  advertisement,
  waitUntil,
  whenAborted,
  within,
} from './lock-helpers.js';

const TEST_TIMEOUT = 120_000;

describe('HA lock on a real Consul agent: nodes in one process', () => {
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

  it(
    'lets only one of two nodes hold the lock, and release hands it to the other',
    { timeout: TEST_TIMEOUT },
    async () => {
      const a = bed.node();
      const b = bed.node();
      const lockA = a.lock(LOCK, advertisement('node-a'));
      const lockB = b.lock(LOCK, advertisement('node-b'));
      const lostA = await within(bed.acquire(lockA), PATIENCE, 'node a to acquire');
      let bHolds = false;
      const acquiredB = bed.acquire(lockB).then((signal) => {
        bHolds = true;
        return signal;
      });
      // Give node b every chance to (wrongly) take the held lock.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      assert.equal(bHolds, false);
      assert.deepEqual(await a.leader(LOCK), advertisement('node-a'));
      assert.deepEqual(await b.leader(LOCK), advertisement('node-a'));

      await lockA.release();
      assert.ok(lostA.aborted, 'the released lock reports it is no longer held');
      const lostB = await within(acquiredB, PATIENCE, 'node b to take over after release');
      assert.equal(lostB.aborted, false);
      assert.deepEqual(await a.leader(LOCK), advertisement('node-b'));
      await lockB.release();
      assert.equal(await a.leader(LOCK), undefined);
    },
  );

  it(
    'fires the lost signal when the holder’s session is destroyed, and the other node takes over',
    { timeout: TEST_TIMEOUT },
    async () => {
      const a = bed.node();
      const b = bed.node();
      const lostA = await within(
        bed.acquire(a.lock(LOCK, advertisement('node-a'))),
        PATIENCE,
        'node a to acquire',
      );
      const acquiredB = bed.acquire(b.lock(LOCK, advertisement('node-b')));
      const session = await bed.holderSession();
      assert.ok(session !== undefined);
      await bed.consul('PUT', `session/destroy/${session}`);
      const reason = await within(whenAborted(lostA), PATIENCE, 'node a to notice it lost the lock');
      assert.ok(reason instanceof Error);
      await within(acquiredB, PATIENCE, 'node b to acquire');
      assert.deepEqual(await b.leader(LOCK), advertisement('node-b'));
    },
  );

  it(
    'fires the lost signal when the holder’s liveness check disappears',
    { timeout: TEST_TIMEOUT },
    async () => {
      const a = bed.node();
      const b = bed.node();
      const lostA = await within(
        bed.acquire(a.lock(LOCK, advertisement('node-a'))),
        PATIENCE,
        'node a to acquire',
      );
      const acquiredB = bed.acquire(b.lock(LOCK, advertisement('node-b')));
      // The session is bound to node a's TTL check; removing it invalidates the session.
      const services = (await bed.consul('GET', 'agent/services')) as Record<string, unknown>;
      const lockService = Object.keys(services).find((id) => id.startsWith('tresor-lock:node-a:'));
      assert.ok(lockService !== undefined, 'node a registered its lock-check service');
      await bed.consul('PUT', `agent/service/deregister/${lockService}`);
      await within(whenAborted(lostA), PATIENCE, 'node a to notice it lost the lock');
      await within(acquiredB, PATIENCE, 'node b to acquire');
    },
  );

  it(
    'refuses every write of a deposed holder: nothing it wrote after losing lands',
    { timeout: TEST_TIMEOUT },
    async () => {
      const a = bed.node();
      const b = bed.node();
      const lostA = await within(
        bed.acquire(a.lock(LOCK, advertisement('node-a'))),
        PATIENCE,
        'node a to acquire',
      );
      const acquiredB = bed.acquire(b.lock(LOCK, advertisement('node-b')));
      await a.put({ key: 'fenced/before', value: Buffer.from('ok') });
      assert.deepEqual((await b.get('fenced/before'))?.value, Buffer.from('ok'));

      // Node a keeps writing while its session is destroyed under it.
      const acknowledged: string[] = [];
      const refused: string[] = [];
      const writing = { on: true };
      const writer = (async () => {
        for (let i = 0; writing.on; i++) {
          const key = `fenced/w${i}`;
          try {
            await a.transaction([
              { op: 'put', entry: { key, value: Buffer.from(String(i)) } },
              { op: 'put', entry: { key: `${key}-twin`, value: Buffer.from(String(i)) } },
            ]);
            acknowledged.push(key);
          } catch (err) {
            assert.ok(err instanceof LockLostError, `unexpected error: ${String(err)}`);
            assert.equal(err.status, 503);
            refused.push(key);
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const session = await bed.holderSession();
      assert.ok(session !== undefined);
      await bed.consul('PUT', `session/destroy/${session}`);
      await within(whenAborted(lostA), PATIENCE, 'node a to lose the lock');
      await within(acquiredB, PATIENCE, 'node b to acquire');
      await b.put({ key: 'fenced/by-b', value: Buffer.from('b') });
      await new Promise((resolve) => setTimeout(resolve, 300));
      writing.on = false;
      await writer;

      assert.ok(acknowledged.length > 0, 'node a wrote while it held the lock');
      assert.ok(refused.length > 0, 'node a was refused after losing the lock');
      for (const key of acknowledged) {
        assert.ok((await b.get(key)) !== undefined, `acknowledged ${key} is stored`);
        assert.ok((await b.get(`${key}-twin`)) !== undefined, `acknowledged ${key}-twin is stored`);
      }
      for (const key of refused) {
        assert.equal(await b.get(key), undefined, `refused ${key} must not land`);
        assert.equal(await b.get(`${key}-twin`), undefined, `refused ${key}-twin must not land`);
      }
      await assert.rejects(a.put({ key: 'fenced/late', value: Buffer.from('late') }), LockLostError);
      assert.equal(await b.get('fenced/late'), undefined);
      assert.deepEqual((await b.get('fenced/by-b'))?.value, Buffer.from('b'));
    },
  );

  it('stops waiting when cancelled and leaves no session behind', { timeout: TEST_TIMEOUT }, async () => {
    const a = bed.node();
    const b = bed.node();
    const lockA = a.lock(LOCK, advertisement('node-a'));
    await within(bed.acquire(lockA), PATIENCE, 'node a to acquire');
    const cancel = new AbortController();
    const waiting = b.lock(LOCK, advertisement('node-b')).acquire(cancel.signal);
    await new Promise((resolve) => setTimeout(resolve, 500));
    cancel.abort(new Error('test cancelled'));
    await assert.rejects(within(waiting, PATIENCE, 'the cancelled acquire to settle'));
    await lockA.release();
    const sessions = (await bed.consul('GET', 'session/list')) as { Name: string }[];
    assert.deepEqual(
      sessions.filter((s) => s.Name === 'tresor lock'),
      [],
    );
  });

  it('reports the holder through watchLeader', { timeout: TEST_TIMEOUT }, async () => {
    const a = bed.node();
    const watcher = bed.node();
    const seen: (string | undefined)[] = [];
    const stop = watcher.watchLeader(LOCK, (leader) => seen.push(leader?.nodeId));
    try {
      const lockA = a.lock(LOCK, advertisement('node-a'));
      await within(bed.acquire(lockA), PATIENCE, 'node a to acquire');
      await within(
        waitUntil(() => seen.at(-1) === 'node-a'),
        PATIENCE,
        'the watch to see node a',
      );
      await lockA.release();
      await within(
        waitUntil(() => seen.at(-1) === undefined),
        PATIENCE,
        'the watch to see no leader',
      );
    } finally {
      stop();
    }
  });
});
