import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSUL_START_TIMEOUT, consulBinary } from '../../helpers/consul.js';
import { freeBasePort } from '../../../src/helper/ports.js';
import { vaultApi } from '../../helpers/vault-api.js';
import { type DevClusterRun, alive, eventually, spawnDevCluster, within } from './harness.js';

interface Agent {
  readonly name: string;
  readonly httpAddr: string;
  readonly pid: number;
}

async function json(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return (await res.json()) as unknown;
}

describe(
  'tresor dev-cluster -consul-servers=3 -consul-agents: Consul as in production',
  { timeout: CONSUL_START_TIMEOUT },
  () => {
    let dir: string;
    let dev: DevClusterRun;
    const agents: Agent[] = [];
    const nodePids: number[] = [];

    before(
      async () => {
        const consul = await consulBinary();
        dir = await mkdtemp(join(tmpdir(), 'tresor-dev-cluster-servers-'));
        const basePort = await freeBasePort([0, 1, 10, 11]);
        dev = spawnDevCluster([
          '-nodes=2',
          '-consul-servers=3',
          '-consul-agents',
          `-base-port=${basePort}`,
          '-consul-port=0',
          '-dns-port=-1',
          `-consul-bin=${consul}`,
          `-dir=${dir}`,
          '-log-level=warn',
        ]);
        await dev.ready();
        for (const m of dev.stdout.matchAll(/^==> Consul (\S+): http:\/\/(\S+) \(pid (\d+)\)$/gm))
          agents.push({ name: m[1]!, httpAddr: m[2]!, pid: Number(m[3]) });
        for (const m of dev.stdout.matchAll(/^\s+node\d\s+http:\/\/\S+\s+\w+\s+pid (\d+)$/gm))
          nodePids.push(Number(m[1]));
      },
      { timeout: CONSUL_START_TIMEOUT },
    );

    after(async () => {
      if (dev.child.exitCode === null && dev.child.signalCode === null) {
        dev.child.kill('SIGINT');
        await within(dev.exited, 30_000);
      }
      for (const pid of [...agents.map((a) => a.pid), ...nodePids])
        if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    });

    it('runs three servers and a client agent per node, each node locking through its own agent', async () => {
      assert.deepEqual(
        agents.map((a) => a.name),
        [
          'tresor-dev-client0',
          'tresor-dev-client1',
          'tresor-dev-server',
          'tresor-dev-server1',
          'tresor-dev-server2',
        ],
      );
      const server = agents.find((a) => a.name === 'tresor-dev-server')!;
      const members = (await json(`http://${server.httpAddr}/v1/agent/members`)) as {
        Name: string;
        Status: number;
        Tags: { role?: string };
      }[];
      assert.deepEqual(
        members
          .filter((m) => m.Status === 1)
          .map((m) => `${m.Name}:${m.Tags.role}`)
          .sort(),
        [
          'tresor-dev-client0:node',
          'tresor-dev-client1:node',
          'tresor-dev-server1:consul',
          'tresor-dev-server2:consul',
          'tresor-dev-server:consul',
        ],
      );
      // Each tresor node's lock session lives on its own client agent.
      const sessions = (await json(`http://${server.httpAddr}/v1/session/list`)) as { Node: string }[];
      assert.deepEqual([...new Set(sessions.map((s) => s.Node))].sort(), [
        'tresor-dev-client0',
        'tresor-dev-client1',
      ]);
    });

    it('keeps serving writes after the Consul leader is killed', async () => {
      const keys = JSON.parse(await readFile(join(dir, 'cluster-keys.json'), 'utf8')) as {
        root_token: string;
        nodes: { api_addr: string }[];
      };
      const addr = keys.nodes[0]!.api_addr;
      const write = (v: string) =>
        vaultApi(addr, 'POST', 'secret/data/leader-kill', { data: { v } }, { token: keys.root_token });
      assert.equal((await write('before')).status, 200);
      const server = agents.find((a) => a.name === 'tresor-dev-server')!;
      const leader = (await json(`http://${server.httpAddr}/v1/status/leader`)) as string;
      const peers = agents.filter((a) => a.name.includes('server'));
      // The leader's RPC address is not printed; find its agent by asking each one about itself.
      let leaderAgent: Agent | undefined;
      for (const a of peers) {
        const self = (await json(`http://${a.httpAddr}/v1/agent/self`)) as {
          Member: { Addr: string; Tags: { port?: string } };
        };
        if (`${self.Member.Addr}:${self.Member.Tags.port}` === leader) leaderAgent = a;
      }
      assert.ok(leaderAgent !== undefined, `an agent is the leader ${leader}`);
      process.kill(leaderAgent.pid, 'SIGKILL');
      await eventually(
        'a write after the leader was killed',
        async () => (await write('after')).status === 200,
        60_000,
      );
      const read = await vaultApi(addr, 'GET', 'secret/data/leader-kill', undefined, {
        token: keys.root_token,
      });
      assert.deepEqual((read.body.data as { data: unknown }).data, { v: 'after' });
      assert.match(
        dev.stdout,
        new RegExp(`Consul ${leaderAgent.name} killed by SIGKILL; the other agents carry on`),
      );
    });

    it('stops every agent and node on SIGINT', async () => {
      dev.child.kill('SIGINT');
      const end = await within(dev.exited, 60_000);
      assert.ok(end !== undefined, `dev-cluster did not exit:\n${dev.stdout}`);
      assert.equal(end.code, 0, dev.stdout);
      for (const pid of [...agents.map((a) => a.pid), ...nodePids])
        assert.equal(alive(pid), false, `pid ${pid} is gone`);
    });
  },
);
