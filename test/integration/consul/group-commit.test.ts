import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { LockLostError } from '../../../consul/lock/fencing.js';
import { CONSUL_START_TIMEOUT, startConsul, type ConsulAgent } from '../../helpers/consul.js';
import { LOCK, LockTestBed, PATIENCE, advertisement, within } from './lock-helpers.js';

const TEST_TIMEOUT = 120_000;

interface Pair {
  readonly Key: string;
  readonly ModifyIndex: number;
  readonly Value: string | null;
}

/** Group commit of the lock holder's writes (consul/storage/txn-batcher.ts), seen from Consul. */
describe('storage "consul" group commit on a real Consul agent', () => {
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

  async function pairs(prefix: string): Promise<Pair[]> {
    const res = await fetch(`http://${agent.httpAddr}/v1/kv/vault/${prefix}?recurse=true`);
    if (res.status === 404) return [];
    return (await res.json()) as Pair[];
  }

  it(
    'lands every concurrent write, in fewer transactions than writes, each value intact',
    { timeout: TEST_TIMEOUT },
    async () => {
      const node = bed.node();
      await within(bed.acquire(node.lock(LOCK, advertisement('node-a'))), PATIENCE, 'the lock');
      const writes = Array.from({ length: 200 }, (_, i) =>
        node.put({ key: `gc/k${i}`, value: Buffer.from(`value-${i}`) }),
      );
      await Promise.all(writes);
      const stored = await pairs('gc/');
      assert.equal(stored.length, 200);
      for (const p of stored) {
        const i = p.Key.slice('vault/gc/k'.length);
        assert.equal(Buffer.from(p.Value ?? '', 'base64').toString(), `value-${i}`);
      }
      const transactions = new Set(stored.map((p) => p.ModifyIndex)).size;
      assert.ok(transactions < 200, `200 writes took ${transactions} transactions`);
      // And each is readable through the backend.
      assert.equal((await node.get('gc/k199'))?.value.toString(), 'value-199');
    },
  );

  it('refuses every queued write once the lock is lost: none lands', { timeout: TEST_TIMEOUT }, async () => {
    const node = bed.node();
    await within(bed.acquire(node.lock(LOCK, advertisement('node-a'))), PATIENCE, 'the lock');
    const session = await bed.holderSession();
    assert.ok(session !== undefined);
    await bed.consul('PUT', `session/destroy/${session}`);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => node.put({ key: `lost/k${i}`, value: Buffer.from('x') })),
    );
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.ok(r.reason instanceof LockLostError, String(r.reason));
    }
    assert.deepEqual(await pairs('lost/'), []);
  });
});
