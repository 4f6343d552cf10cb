/**
 * The production topology on one host: a Consul server, one client agent per tresor node
 * (src/cluster/consul-cluster.ts via startHaCluster `agentPerNode`), each node's storage "consul"
 * pointing at its own agent. The cluster settles on one active node, serves writes through a
 * standby, every node's lock session lives on its own Consul node, and freezing the active node's
 * agent moves the lock to another node: the cut-off node announces its hold lost to the standbys
 * following it, and one of them ends it through its own agent.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { waitForRoles } from '../../../src/cluster/bootstrap.js';
import { CONSUL_START_TIMEOUT } from '../../helpers/consul.js';
import { startHaCluster, type HaCluster, type HaNode } from '../../helpers/ha-cluster.js';

interface SessionEntry {
  readonly Name?: unknown;
  readonly Node?: unknown;
}

/** The Consul node of every live "tresor lock" session, as the server lists them. */
async function lockSessionNodes(serverHttp: string): Promise<string[]> {
  const res = await fetch(`http://${serverHttp}/v1/session/list`, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200);
  const sessions = (await res.json()) as SessionEntry[];
  return sessions
    .filter((s) => s.Name === 'tresor lock')
    .map((s) => String(s.Node))
    .sort();
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('HA on a Consul server with one client agent per node', { timeout: CONSUL_START_TIMEOUT }, () => {
  let c: HaCluster;

  before(
    async () => {
      c = await startHaCluster(3, '', { agentPerNode: true });
    },
    { timeout: CONSUL_START_TIMEOUT },
  );
  after(async () => {
    await c.stop();
  });

  it('gives every node its own client agent, all joined to the server', async () => {
    const agents = c.nodes.map((n) => {
      assert.ok(n.consulAgent, `${n.name} has no agent of its own`);
      return n.consulAgent;
    });
    assert.equal(new Set(agents.map((a) => a.httpAddr)).size, 3);
    for (const n of c.nodes) {
      const config = await readFile(n.config, 'utf8');
      assert.match(config, new RegExp(`address = "${n.consulAgent?.httpAddr ?? '?'}"`));
    }
    const res = await fetch(`http://${c.consul.httpAddr}/v1/agent/members`);
    const members = (await res.json()) as { Name: string; Status: number }[];
    for (const a of agents) assert.ok(members.some((m) => m.Name === a.nodeName && m.Status === 1));
  });

  it('settles on one active node and two standbys, and serves a kv write through a standby', async () => {
    const roles = await waitForRoles(c.nodes);
    assert.deepEqual([...roles].sort(), ['active', 'standby', 'standby']);
    const active = await c.active();
    const mount = await c.api(
      active,
      'POST',
      'sys/mounts/secret',
      { type: 'kv', options: { version: '2' } },
      c.rootToken,
    );
    assert.equal(mount.status, 204);
    const standby = c.nodes.find((n) => n !== active)!;
    const put = await c.api(standby, 'POST', 'secret/data/topology', { data: { v: 'one' } }, c.rootToken);
    assert.equal(put.status, 200);
    const got = await c.api(active, 'GET', 'secret/data/topology', undefined, c.rootToken);
    assert.equal(got.status, 200);
    assert.deepEqual((got.body as { data: { data: unknown } }).data.data, { v: 'one' });
  });

  it("places each node's lock session on its own Consul node", async () => {
    const expected = c.nodes.map((n) => n.consulAgent?.nodeName ?? '?').sort();
    const seen = await eventually('one tresor lock session per client agent', async () => {
      const nodes = await lockSessionNodes(c.consul.httpAddr);
      return JSON.stringify(nodes) === JSON.stringify(expected) ? nodes : undefined;
    });
    assert.deepEqual(seen, expected);
  });

  it("moves the lock to another node while the active node's own agent is frozen", async () => {
    const active: HaNode = await c.active();
    const agent = active.consulAgent!.process;
    process.kill(agent.pid, 'SIGSTOP');
    try {
      const next = await eventually('another node to become active', async () => {
        for (const n of c.nodes) {
          if (n === active) continue;
          const health = await c.api(n, 'GET', 'sys/health').catch(() => undefined);
          if (health?.status === 200) return n;
        }
        return undefined;
      });
      assert.notEqual(next, active);
      const put = await c.api(next, 'POST', 'secret/data/topology', { data: { v: 'two' } }, c.rootToken);
      assert.equal(put.status, 200);
      // Not Consul's gossip declaring the frozen agent's node failed: the cut-off node said it could no
      // longer vouch for its hold, and a standby ended it through its own agent (src/http/ha-follower.ts).
      assert.ok(
        c.nodes.some(
          (n) =>
            n !== active &&
            (n.process?.output() ?? '').includes('it reported that it can no longer vouch for its hold'),
        ),
        'a standby ended the hold the cut-off node announced as lost',
      );
    } finally {
      process.kill(agent.pid, 'SIGCONT');
    }
    await c.topology!.ready();
    const roles = await waitForRoles(c.nodes, 60_000);
    assert.deepEqual([...roles].sort(), ['active', 'standby', 'standby']);
  });
});
