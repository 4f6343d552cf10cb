import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mountSecretKv } from '../../../src/cluster/bootstrap.js';
import { CONSUL_START_TIMEOUT } from '../../helpers/consul.js';
import { startHaCluster, type HaCluster } from '../../helpers/ha-cluster.js';
import { readBack, requestFailures, startWriteLoad } from '../../helpers/write-load.js';

/**
 * A long Consul outage: the only (durable) Consul server is stopped for 60 s behind live client
 * agents, one per tresor node. The active node must stop acknowledging writes and drop to
 * standby, no node may seal, every node's health keeps answering and says why, and once the
 * server is back the cluster elects an active node on its own; every acknowledged write reads back.
 */

const OUTAGE_MS = 60_000;

interface Probe {
  readonly at: number;
  readonly node: string;
  readonly status: number;
  readonly state: string;
  readonly reason: string;
  readonly sealed: unknown;
}

describe('a 60 s Consul outage', { timeout: CONSUL_START_TIMEOUT }, () => {
  let c: HaCluster;

  before(
    async () => {
      c = await startHaCluster(3, '', { agentPerNode: true, consul: { durable: true } });
      await mountSecretKv(await c.active(), c.rootToken);
    },
    { timeout: CONSUL_START_TIMEOUT },
  );
  after(async () => {
    await c.stop();
  });

  it(
    'fences and demotes the active node, seals nothing, and recovers on its own',
    { timeout: 300_000 },
    async () => {
      const server = c.topology!.servers[0]!;
      const load = startWriteLoad(c, 'outage');
      const probes: Probe[] = [];
      let haltedAt = 0;
      let resumedAt = 0;
      try {
        await load.progress(30, 30_000);
        const before = await c.active();
        haltedAt = Date.now();
        await server.halt();
        while (Date.now() < haltedAt + OUTAGE_MS) {
          for (const n of c.nodes) {
            const r = await c.api(n, 'GET', 'sys/health/live');
            probes.push({
              at: Date.now(),
              node: n.name,
              status: r.status,
              state: String(r.body.state),
              reason: String(r.body.reason),
              sealed: r.body.sealed,
            });
          }
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        resumedAt = Date.now();
        await server.resume();
        const leaderMs = Date.now() - resumedAt;
        await c.topology!.ready(120_000);
        const agentsMs = Date.now() - resumedAt;
        await load.progress(20, 120_000);
        const first = load.firstAckAfter(resumedAt)!;
        console.log(
          `# Consul outage of ${OUTAGE_MS} ms: the server had a leader ${leaderMs} ms after it was started again, ` +
            `every client agent saw it after ${agentsMs} ms, the first write was acknowledged after ${first.at - resumedAt} ms ` +
            `(${Math.round((first.at - haltedAt) / 100) / 10} s without acknowledged writes); failed attempts ${JSON.stringify([...load.failures])}`,
        );
        // The active node was fenced at once (every write goes through Consul) and then demoted.
        assert.deepEqual(
          load.acks.filter((a) => a.at > haltedAt + 2000 && a.at < resumedAt),
          [],
          'no write is acknowledged while Consul is down',
        );
        const demoted = probes.filter((p) => p.node === before.name && p.state === 'standby');
        assert.ok(demoted.length > 0, `${before.name} dropped to standby during the outage`);
        assert.match(demoted[0]!.reason, /lost the HA lock: could not renew the session/);
      } finally {
        await load.stop();
      }
      // Health answered throughout, and no node sealed.
      assert.deepEqual(
        probes.filter((p) => p.status !== 200 || p.sealed !== false || p.state === 'sealed'),
        [],
      );
      // Every write refused during the outage says why (503 storage unavailable), none is an internal error.
      assert.equal(
        load.failures.get('500'),
        undefined,
        `an outage is a 503 that says so, not an internal error:\n${requestFailures(c).join('\n')}`,
      );
      assert.deepEqual(await readBack(c, await c.active(), load.acks), []);
    },
  );
});
