import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leaderOf } from '../../../src/cluster/consul-agent.js';
import { freePorts } from '../../../src/helper/ports.js';
import { ConsulClient } from '../../../consul/client/client.js';
import { markPeerDown } from '../../../consul/registration/peer-down.js';
import { CONSUL_START_TIMEOUT, consulBinary } from '../../helpers/consul.js';
import { REPO, runCommand, startServerProcess, type ServerProcess } from '../../helpers/server-process.js';

// consul/deploy/agent.hcl and server.hcl (ACLs on, default deny), consul/deploy/tresor-policy.hcl,
// consul/deploy/dns-policy.hcl and deploy/consul-acl-init.sh against the compose stack's Consul
// topology on loopback: three servers and the client agents of a tresor host and of the resolver's
// host. The script gives every agent its own token; its tokens let a tresor node, through its own
// client agent, do everything HA needs, and the resolver's token only read what it must.

/** Runs a command; `out` is its stdout and stderr together. */
async function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string }> {
  const r = await runCommand(file, args, { env, timeoutMs: 180_000 });
  return { code: r.code, out: r.stdout + r.stderr };
}

/** One agent of the topology: its node name, role and loopback ports. */
interface Agent {
  name: string;
  server: boolean;
  http: number;
  lan: number;
  wan: number;
  rpc: number;
  process?: ChildProcess;
}

const SERVERS = ['consul1', 'consul2', 'consul3'];
const CLIENTS = ['tresor1-consul', 'dns-consul'];

describe(
  'Consul ACLs for the compose stack: three servers, client agents, the policies and consul-acl-init.sh',
  { timeout: CONSUL_START_TIMEOUT },
  () => {
    let dir: string;
    const agents: Agent[] = [];
    let http = '';
    let clientHttp = '';
    let node: ServerProcess | undefined;
    let scriptEnv: NodeJS.ProcessEnv;
    const token = (name: string): Promise<string> =>
      readFile(join(dir, 'tokens', `${name}.token`), 'utf8').then((t) => t.trim());
    const consulApi = async (
      method: string,
      path: string,
      secret?: string,
      body?: string,
      addr = http,
    ): Promise<{ status: number; text: string }> => {
      const res = await fetch(`http://${addr}/v1/${path}`, {
        method,
        headers: secret === undefined ? {} : { 'X-Consul-Token': secret },
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(5000),
      });
      return { status: res.status, text: await res.text() };
    };

    before(
      async () => {
        const binary = await consulBinary();
        dir = await mkdtemp(join(tmpdir(), 'tresor-acl-'));
        await mkdir(join(dir, 'bin'));
        await symlink(binary, join(dir, 'bin', 'consul'));
        const names = [...SERVERS, ...CLIENTS];
        const ports = await freePorts(names.length * 4, true);
        const port = (i: number): number => ports[i] ?? 0;
        names.forEach((name, i) =>
          agents.push({
            name,
            server: SERVERS.includes(name),
            http: port(4 * i),
            lan: port(4 * i + 1),
            wan: port(4 * i + 2),
            rpc: port(4 * i + 3),
          }),
        );
        const joinAddrs = agents
          .filter((a) => a.server)
          .map((a) => `"127.0.0.1:${a.lan}"`)
          .join(', ');
        // The compose configs, moved to loopback and free ports for this machine.
        const shared = (await readFile(join(REPO, 'consul/deploy/agent.hcl'), 'utf8'))
          .replace(/^client_addr .*$/m, 'client_addr = "127.0.0.1"')
          .replace(/^bind_addr .*$/m, 'bind_addr = "127.0.0.1"')
          .replace(/^retry_join .*$/m, `retry_join = [${joinAddrs}]`);
        assert.match(shared, /retry_join = \["127/);
        const server = await readFile(join(REPO, 'consul/deploy/server.hcl'), 'utf8');
        for (const a of agents) {
          const home = join(dir, a.name);
          await mkdir(home);
          const ports = `ports {\n  http = ${a.http}\n  dns = -1\n  grpc = -1\n  grpc_tls = -1\n  serf_lan = ${a.lan}\n  serf_wan = ${a.server ? a.wan : -1}\n  server = ${a.rpc}\n}\n`;
          await writeFile(
            join(home, 'agent.hcl'),
            `${shared.replace(/^data_dir .*$/m, `data_dir = "${join(home, 'data')}"`)}\n${ports}`,
          );
          const files = [join(home, 'agent.hcl')];
          if (a.server) {
            await writeFile(join(home, 'server.hcl'), server);
            files.push(join(home, 'server.hcl'));
          }
          const log = openSync(join(home, 'agent.log'), 'w');
          a.process = spawn(binary, ['agent', `-node=${a.name}`, ...files.map((f) => `-config-file=${f}`)], {
            stdio: ['ignore', log, log],
          });
          closeSync(log);
        }
        // As in the compose file, the ACL job starts once every agent is healthy: it sees a leader.
        const deadline = Date.now() + 120_000;
        for (const a of agents) {
          while ((await leaderOf(`127.0.0.1:${a.http}`)) === '') {
            assert.ok(Date.now() < deadline, `${a.name} sees a Consul leader within 120 s`);
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        }
        const byName = (name: string): Agent => agents.find((a) => a.name === name) ?? assert.fail(name);
        http = `127.0.0.1:${byName('consul1').http}`;
        clientHttp = `127.0.0.1:${byName('tresor1-consul').http}`;
        scriptEnv = {
          PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
          CONSUL_HTTP_ADDR: http,
          POLICY_DIR: join(REPO, 'consul', 'deploy'),
          BOOTSTRAP_DIR: join(dir, 'acl'),
          TOKEN_DIR: join(dir, 'tokens'),
          TOKEN_UID: String(process.getuid?.() ?? 0),
          AGENTS: agents.map((a) => `${a.name}=127.0.0.1:${a.http}`).join(' '),
        };
        const first = await run('sh', [join(REPO, 'deploy/consul-acl-init.sh')], scriptEnv);
        if (first.code !== 0) {
          const logs = await Promise.all(
            agents.map(
              async (a) =>
                `--- ${a.name}\n${(await readFile(join(dir, a.name, 'agent.log'), 'utf8')).slice(-3000)}`,
            ),
          );
          assert.fail(`consul-acl-init.sh failed:\n${first.out}\n${logs.join('\n')}`);
        }
      },
      { timeout: CONSUL_START_TIMEOUT },
    );

    after(async () => {
      await node?.stop();
      for (const a of agents) {
        const child = a.process;
        if (child?.exitCode === null) {
          const gone = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          await gone;
        }
      }
      await rm(dir, { recursive: true, force: true });
    });

    it('gives every agent a token of its own that may write its own node and nothing else', async () => {
      const management = (await readFile(join(dir, 'acl', 'management.token'), 'utf8')).trim();
      const members = JSON.parse((await consulApi('GET', 'catalog/nodes', management)).text) as {
        Node: string;
      }[];
      assert.deepEqual(members.map((m) => m.Node).sort(), agents.map((a) => a.name).sort());
      for (const a of agents) {
        const file = join(dir, 'acl', `agent-${a.name}.token`);
        assert.equal((await stat(file)).mode & 0o777, 0o600, file);
        const secret = (await readFile(file, 'utf8')).trim();
        const self = JSON.parse((await consulApi('GET', 'acl/token/self', secret)).text) as {
          NodeIdentities?: { NodeName: string; Datacenter: string }[];
          Policies?: unknown[];
        };
        assert.deepEqual(self.NodeIdentities, [{ NodeName: a.name, Datacenter: 'dc1' }], a.name);
        assert.equal(self.Policies, undefined, `${a.name}: no policy beyond its node identity`);
        const own = await consulApi(
          'PUT',
          'catalog/register',
          secret,
          JSON.stringify({ Node: a.name, Address: '127.0.0.1', SkipNodeUpdate: true }),
        );
        assert.equal(own.status, 200, `${a.name} may register its own node: ${own.text}`);
        const other = agents.find((b) => b.name !== a.name)?.name ?? '';
        const foreign = await consulApi(
          'PUT',
          'catalog/register',
          secret,
          JSON.stringify({ Node: other, Address: '127.0.0.1' }),
        );
        assert.equal(foreign.status, 403, `${a.name} may not write node ${other}`);
        assert.equal((await consulApi('PUT', 'kv/tresor/x', secret, 'x')).status, 403);
      }
    });

    it('writes the tokens owner-only, never prints them, and a second run keeps them', async () => {
      assert.equal((await stat(join(dir, 'acl', 'management.token'))).mode & 0o777, 0o600);
      for (const name of ['tresor', 'dns'])
        assert.equal((await stat(join(dir, 'tokens', `${name}.token`))).mode & 0o777, 0o400);
      const before = [await token('tresor'), await token('dns')];
      const again = await run('sh', [join(REPO, 'deploy/consul-acl-init.sh')], scriptEnv);
      assert.equal(again.code, 0, again.out);
      for (const secret of before) assert.ok(!again.out.includes(secret), 'no token in the output');
      assert.deepEqual([await token('tresor'), await token('dns')], before);
    });

    it('denies anonymous requests (default deny)', async () => {
      assert.equal((await consulApi('GET', 'catalog/services')).text, '{}');
      assert.equal((await consulApi('PUT', 'kv/tresor/x', undefined, 'x')).status, 403);
    });

    it('lets a tresor node with the tresor token, through its own client agent, initialise, unseal, become active and register itself', async () => {
      const secret = await token('tresor');
      const [port] = await freePorts(1);
      const addr = `http://127.0.0.1:${port ?? 0}`;
      const config = join(dir, 'node.hcl');
      await writeFile(
        config,
        `storage "consul" {\n  address = "${clientHttp}"\n  path = "tresor/"\n}\nlistener "tcp" {\n  address = "127.0.0.1:${port ?? 0}"\n  tls_disable = true\n}\napi_addr = "${addr}"\ncluster_addr = "https://127.0.0.1:${(port ?? 0) + 1}"\n`,
      );
      node = await startServerProcess([`-config=${config}`], `${addr}/v1/sys/health`, {
        CONSUL_HTTP_TOKEN: secret,
      });
      const init = (await (
        await fetch(`${addr}/v1/sys/init`, {
          method: 'PUT',
          body: '{"secret_shares":1,"secret_threshold":1}',
        })
      ).json()) as { keys_base64: string[] };
      await fetch(`${addr}/v1/sys/unseal`, {
        method: 'PUT',
        body: JSON.stringify({ key: init.keys_base64[0] }),
      });
      const management = (await readFile(join(dir, 'acl', 'management.token'), 'utf8')).trim();
      const deadline = Date.now() + 20_000;
      for (;;) {
        const health = (await fetch(`${addr}/v1/sys/health`)).status;
        const services = JSON.parse(
          (await consulApi('GET', 'health/service/vault?passing=true', management)).text,
        ) as { Node: { Node: string }; Service: { Tags: string[] } }[];
        const tags = services[0]?.Service.Tags ?? [];
        if (health === 200 && tags.includes('active')) {
          // Registered through its own client agent, on that agent's node, as in production.
          assert.equal(services[0]?.Node.Node, 'tresor1-consul');
          break;
        }
        assert.ok(
          Date.now() < deadline,
          `active and registered within 20 s (health ${health}, tags ${tags.join(',')})\n${node.output()}`,
        );
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(!/permission denied|403/i.test(node.output()), node.output());
      // …and nothing outside its policy.
      assert.equal((await consulApi('PUT', 'kv/other/x', secret, 'x')).status, 403);
      assert.equal((await consulApi('PUT', 'agent/service/register', secret, '{"Name":"web"}')).status, 403);
      assert.equal((await consulApi('GET', 'acl/tokens', secret)).status, 403);
    });

    it('lets the resolver token read the catalog and the lock key, and nothing else', async () => {
      const secret = await token('dns');
      assert.equal((await consulApi('GET', 'kv/tresor/core/lock', secret)).status, 200);
      assert.match((await consulApi('GET', 'catalog/services', secret)).text, /"vault"/);
      assert.equal((await consulApi('GET', 'health/service/vault', secret)).status, 200);
      assert.equal((await consulApi('GET', 'catalog/nodes', secret)).status, 200);
      assert.equal((await consulApi('GET', 'kv/tresor/core/keyring', secret)).status, 403);
      assert.equal((await consulApi('PUT', 'kv/tresor/core/lock', secret, 'x')).status, 403);
      assert.equal((await consulApi('PUT', 'session/create', secret, '{}')).status, 403);
    });
    it("lets the tresor token end another node's session and mark its vault instance down, not change the node", async () => {
      const secret = await token('tresor');
      const management = (await readFile(join(dir, 'acl', 'management.token'), 'utf8')).trim();
      // A node with no agent here, registered through the catalog as a passing active tresor node.
      const id = 'vault:10.9.9.9:8200';
      const service = {
        ID: id,
        Service: 'vault',
        Tags: ['active', 'initialized'],
        Address: '10.9.9.9',
        Port: 8200,
        Meta: { 'external-source': 'vault' },
      };
      const registered = await consulApi(
        'PUT',
        'catalog/register',
        management,
        JSON.stringify({
          Node: 'peer-node',
          Address: '10.9.9.9',
          Service: service,
          Checks: [
            {
              CheckID: `${id}:vault-sealed-check`,
              Name: 'Vault Sealed Status',
              ServiceID: id,
              Status: 'passing',
              Output: 'Vault Unsealed',
            },
          ],
        }),
      );
      assert.equal(registered.status, 200, registered.text);

      // (a) A session of that node (a lock session a dead node left behind) can be destroyed.
      const created = await consulApi(
        'PUT',
        'session/create',
        management,
        JSON.stringify({ Node: 'peer-node', NodeChecks: [], TTL: '60s' }),
      );
      assert.equal(created.status, 200, created.text);
      const session = (JSON.parse(created.text) as { ID: string }).ID;
      const destroyed = await consulApi('PUT', `session/destroy/${session}`, secret);
      assert.equal(destroyed.status, 200, destroyed.text);
      assert.deepEqual(JSON.parse((await consulApi('GET', `session/info/${session}`, management)).text), []);

      // A token without service:write (the resolver's) is refused; markPeerDown says so, never throws.
      const reader = new ConsulClient({ address: http, token: await token('dns') });
      try {
        const refused = await markPeerDown(reader, { service: 'vault' }, 'http://10.9.9.9:8200');
        assert.equal(refused.outcome, 'failed');
        // A follower forwards the write to the leader and wraps the refusal: "rpc error making call: …".
        assert.match(refused.error ?? '', /HTTP 403: (rpc error making call: )?Permission denied/);
      } finally {
        reader.close();
      }

      // (b) markPeerDown with the tresor token: critical, not active, through the catalog.
      const client = new ConsulClient({ address: http, token: secret });
      try {
        assert.deepEqual(
          await markPeerDown(client, { service: 'vault' }, 'http://10.9.9.9:8200', {
            detectedBy: 'http://127.0.0.1:8200',
          }),
          { outcome: 'marked', serviceId: id, markedOn: ['peer-node'] },
        );
      } finally {
        client.close();
      }
      interface Entry {
        Node: { Address: string };
        Service: { ID: string; Tags: string[] };
        Checks: { CheckID: string; Status: string; Output: string }[];
      }
      const entries = async (query: string): Promise<Entry[]> =>
        (
          JSON.parse((await consulApi('GET', `health/service/vault${query}`, management)).text) as Entry[]
        ).filter((e) => e.Service.ID === id);
      assert.deepEqual(await entries('?passing'), [], 'gone from ?passing');
      assert.equal((await entries('?passing&tag=active')).length, 0);
      const [peer] = await entries('');
      assert.deepEqual(peer?.Service.Tags, ['initialized']);
      const check = peer.Checks.find((c) => c.CheckID === `${id}:vault-sealed-check`);
      assert.deepEqual(
        { status: check?.Status, output: check?.Output },
        {
          status: 'critical',
          output: "tresor: the node's process is gone (detected by http://127.0.0.1:8200)",
        },
      );

      // (c) …but not a write that changes that node (node:write), nor one that creates a node.
      const moved = await consulApi(
        'PUT',
        'catalog/register',
        secret,
        JSON.stringify({ Node: 'peer-node', Address: '10.9.9.10', Service: service }),
      );
      assert.equal(moved.status, 403, moved.text);
      assert.match(moved.text, /Permission denied.*node:write/);
      const ghost = await consulApi(
        'PUT',
        'catalog/register',
        secret,
        JSON.stringify({ Node: 'ghost-node', Address: '10.9.9.11', SkipNodeUpdate: true, Service: service }),
      );
      assert.equal(ghost.status, 403, ghost.text);
      assert.match(ghost.text, /Permission denied.*node:write/);
      assert.equal(peer.Node.Address, '10.9.9.9');
      assert.equal((await entries(''))[0]?.Node.Address, '10.9.9.9', 'the node record is unchanged');
    });
  },
);
