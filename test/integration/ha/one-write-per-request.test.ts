import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONSUL_START_TIMEOUT } from '../../helpers/consul.js';
import { startHaCluster, type HaCluster, type HaNode } from '../../helpers/ha-cluster.js';

const TEST_TIMEOUT = 120_000;

interface ConsulPair {
  readonly Key: string;
  readonly ModifyIndex: number;
}

/**
 * How many Consul writes a request costs, read from Consul itself: every key a transaction sets
 * carries that transaction's raft index as its ModifyIndex, so the distinct ModifyIndex values of
 * the keys a request changed count the writes it made.
 */
describe('storage writes per request, as Consul records them', () => {
  let c: HaCluster;
  let active: HaNode;

  before(
    async () => {
      c = await startHaCluster(1);
      active = await c.active();
      const mount = await c.api(
        active,
        'POST',
        'sys/mounts/secret',
        { type: 'kv', options: { version: '2' } },
        c.rootToken,
      );
      assert.equal(mount.status, 204);
    },
    { timeout: CONSUL_START_TIMEOUT },
  );

  after(async () => {
    await c.stop();
  });

  async function pairs(): Promise<ConsulPair[]> {
    const res = await fetch(`http://${c.consul.httpAddr}/v1/kv/tresor/?recurse=true`);
    assert.equal(res.status, 200);
    return (await res.json()) as ConsulPair[];
  }

  /** The keys `action` changed, grouped by the raft index that wrote them. */
  async function writesOf(action: () => Promise<void>): Promise<Map<number, string[]>> {
    const before = new Map((await pairs()).map((p) => [p.Key, p.ModifyIndex]));
    await action();
    const writes = new Map<number, string[]>();
    for (const p of await pairs()) {
      if (before.get(p.Key) === p.ModifyIndex) continue;
      writes.set(p.ModifyIndex, [...(writes.get(p.ModifyIndex) ?? []), p.Key]);
    }
    return writes;
  }

  it('writes a kv v2 version and its metadata in one transaction', { timeout: TEST_TIMEOUT }, async () => {
    for (let i = 1; i <= 3; i++) {
      const writes = await writesOf(async () => {
        const res = await c.api(active, 'POST', 'secret/data/app/db', { data: { n: i } }, c.rootToken);
        assert.equal(res.status, 200);
      });
      assert.equal(writes.size, 1, `write ${i}: ${JSON.stringify([...writes])}`);
      const keys = [...writes.values()][0] ?? [];
      assert.ok(
        keys.some((k) => k.includes('/metadata/')) && keys.some((k) => /\/versions\/[0-9a-f]{64}\//.test(k)),
      );
    }
    const read = await c.api(active, 'GET', 'secret/data/app/db', undefined, c.rootToken);
    assert.deepEqual((read.body.data as { data: unknown }).data, { n: 3 });
  });

  it(
    'creates a token with a TTL in two writes: the token, then its lease',
    { timeout: TEST_TIMEOUT },
    async () => {
      let token = '';
      const writes = await writesOf(async () => {
        const res = await c.api(
          active,
          'POST',
          'auth/token/create',
          { policies: ['default'], ttl: '1h' },
          c.rootToken,
        );
        assert.equal(res.status, 200);
        token = (res.body.auth as { client_token: string }).client_token;
      });
      // token entry + accessor + parent link; lease + expiry index
      assert.deepEqual(
        [...writes.values()].map((keys) => keys.length).sort(),
        [2, 3],
        JSON.stringify([...writes]),
      );
      const lookup = await c.api(active, 'GET', 'auth/token/lookup-self', undefined, token);
      assert.equal(lookup.status, 200);
      assert.ok((lookup.body.data as { ttl: number }).ttl > 3500);
    },
  );
});
