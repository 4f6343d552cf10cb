import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { LockLostError } from '../../../consul/lock/fencing.js';
import type { HaLock } from '../../../src/physical/types.js';
import { CONSUL_START_TIMEOUT, startConsul, type ConsulAgent } from '../../helpers/consul.js';
import { LOCK, LockTestBed, PATIENCE, advertisement, whenAborted, within } from './lock-helpers.js';

const TEST_TIMEOUT = 120_000;

/** Calls `lock.takeOver(holdId)` until it says true (it is false until the lock waits with a session). */
async function takeOverOnceWaiting(lock: HaLock, holdId: string, holderLost: AbortSignal): Promise<void> {
  const deadline = Date.now() + PATIENCE;
  while (!((await lock.takeOver?.(holdId)) ?? false)) {
    assert.equal(
      holderLost.aborted,
      false,
      'the holder lost its session on its own: the test proves nothing',
    );
    assert.ok(Date.now() < deadline, `no take-over within ${PATIENCE} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('HA lock take-over on a real Consul agent (lock_delay 250ms)', () => {
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
    'a waiting node takes the key over from a given hold in one step; a second node cannot',
    { timeout: TEST_TIMEOUT },
    async () => {
      // A check TTL no busy machine misses: the holder must not lose its session on its own here.
      const timing = { check_ttl: '10s' };
      const [a, b, c] = [bed.node(timing), bed.node(timing), bed.node(timing)];
      const lockA = a.lock(LOCK, advertisement('node-a'));
      const lockB = b.lock(LOCK, advertisement('node-b'));
      const lockC = c.lock(LOCK, advertisement('node-c'));
      const lostA = await within(bed.acquire(lockA), PATIENCE, 'node a to acquire');
      const holdA = lockA.holdId;
      assert.ok(holdA !== undefined);
      const acquiredB = bed.acquire(lockB);
      const acquiredC = bed.acquire(lockC);
      // A hold id that does not hold the key is refused and changes nothing.
      assert.equal(await lockB.takeOver?.('00000000-0000-0000-0000-000000000000'), false);
      assert.equal(await bed.holderSession(), holdA);

      await takeOverOnceWaiting(lockB, holdA, lostA);
      const lostB = await within(acquiredB, PATIENCE, 'node b’s acquire to resolve');
      assert.equal(lostB.aborted, false);
      assert.equal(await bed.holderSession(), lockB.holdId);
      // The old holder learns it lost the key, and its writes are refused by the fence.
      await within(whenAborted(lostA), PATIENCE, 'node a to see the loss');
      await assert.rejects(a.put({ key: 'fenced/a', value: Buffer.from('late') }), LockLostError);
      // Node c, late, cannot take a hold that already ended; it keeps waiting.
      assert.equal(await lockC.takeOver?.(holdA), false);
      assert.equal(await bed.holderSession(), lockB.holdId);
      await b.put({ key: 'fenced/b', value: Buffer.from('b') });
      assert.equal((await c.get('fenced/b'))?.value.toString(), 'b');
      // Node a's old session, left alive by the take-over, releases nothing of b's.
      await lockA.release();
      assert.equal(await bed.holderSession(), lockB.holdId);
      await lockB.release();
      await within(acquiredC, PATIENCE, 'node c to acquire after b released');
    },
  );
});
