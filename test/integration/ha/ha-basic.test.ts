import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHaCluster } from '../../helpers/ha-cluster.js';
import type { HaCluster } from '../../helpers/ha-cluster.js';
import { CONSUL_START_TIMEOUT } from '../../helpers/consul.js';

/** Three real node processes on one real Consul agent. */
describe(
  'HA on Consul: election, standby forwarding, failover, step-down',
  { timeout: CONSUL_START_TIMEOUT },
  () => {
    let c: HaCluster;
    before(
      async () => {
        c = await startHaCluster(3);
      },
      { timeout: CONSUL_START_TIMEOUT },
    );
    after(async () => {
      await c.stop();
    });

    it('has exactly one active node; standbys answer 429 on health and name the leader', async () => {
      const active = await c.active();
      const codes = await Promise.all(c.nodes.map(async (n) => (await c.api(n, 'GET', 'sys/health')).status));
      assert.deepEqual(codes.filter((x) => x === 200).length, 1, `health codes: ${codes.join(',')}`);
      assert.deepEqual(codes.filter((x) => x === 429).length, 2);
      for (const n of c.nodes) {
        const leader = await c.api(n, 'GET', 'sys/leader');
        assert.equal(leader.body.ha_enabled, true);
        assert.equal(leader.body.leader_address, active.addr);
        assert.equal(leader.body.is_self, n === active);
      }
      const standby = c.nodes.find((n) => n !== active)!;
      assert.equal((await c.api(standby, 'GET', 'sys/health?standbyok=true')).status, 200);
      const ready = await c.api(standby, 'GET', 'sys/health/ready');
      assert.equal(ready.status, 200);
      assert.equal(ready.body.state, 'standby');
      assert.equal((await c.api(standby, 'GET', 'sys/health/active')).status, 503);
    });

    it('a standby forwards a write that then reads back on every node', async () => {
      const active = await c.active();
      const standby = c.nodes.find((n) => n !== active)!;
      assert.equal(
        (
          await c.api(
            standby,
            'POST',
            'sys/mounts/secret',
            { type: 'kv', options: { version: '2' } },
            c.rootToken,
          )
        ).status,
        204,
      );
      const w = await c.api(
        standby,
        'POST',
        'secret/data/ha',
        { data: { v: 'through-a-standby' } },
        c.rootToken,
      );
      assert.equal(w.status, 200, JSON.stringify(w.body));
      for (const n of c.nodes) {
        const r = await c.api(n, 'GET', 'secret/data/ha', undefined, c.rootToken);
        assert.equal(r.status, 200);
        assert.deepEqual((r.body.data as { data: unknown }).data, { v: 'through-a-standby' });
      }
    });

    it('after SIGKILL of the active node, a standby serves writes', async () => {
      const active = await c.active();
      const killedAt = Date.now();
      await active.process!.kill();
      const next = await c.active(20_000);
      assert.notEqual(next, active);
      const w = await c.api(next, 'POST', 'secret/data/after-kill', { data: { v: 1 } }, c.rootToken);
      assert.equal(w.status, 200);
      console.log(
        `# failover after SIGKILL: a standby served a write ${Date.now() - killedAt} ms after the kill`,
      );
      await active.start();
      assert.equal(
        (await c.api(active, 'GET', 'sys/health')).status,
        429,
        'the restarted node joins as a standby',
      );
    });

    it('graceful step-down hands over to another node', async () => {
      const active = await c.active();
      const started = Date.now();
      assert.equal((await c.api(active, 'PUT', 'sys/step-down', undefined, c.rootToken)).status, 204);
      const next = await c.active(10_000);
      assert.notEqual(next, active);
      assert.equal(
        (await c.api(next, 'POST', 'secret/data/after-step-down', { data: { v: 1 } }, c.rootToken)).status,
        200,
      );
      console.log(`# step-down: another node served a write ${Date.now() - started} ms after the request`);
      assert.equal((await c.api(active, 'GET', 'sys/health')).status, 429);
    });

    it('a standby seals itself with the root token, answers 503 sealed, and rejoins after unseal', async () => {
      const active = await c.active();
      const standby = c.nodes.find((n) => n !== active)!;
      assert.equal((await c.api(standby, 'PUT', 'sys/seal', undefined, c.rootToken)).status, 204);
      assert.equal((await c.api(standby, 'GET', 'sys/health')).status, 503);
      const leader = await c.api(standby, 'GET', 'sys/leader');
      assert.equal(leader.status, 503);
      assert.deepEqual(leader.body, { errors: ['Vault is sealed'] });
      assert.equal(
        (await c.api(active, 'GET', 'sys/health')).status,
        200,
        'sealing a standby leaves the active alone',
      );
      assert.equal((await c.api(standby, 'PUT', 'sys/unseal', { key: c.unsealKey })).body.sealed, false);
      assert.equal((await c.api(standby, 'GET', 'sys/health')).status, 429);
    });
  },
);
