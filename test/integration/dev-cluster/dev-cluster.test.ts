import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSUL_START_TIMEOUT, consulBinary } from '../../helpers/consul.js';
import { freeBasePort, freePorts } from '../../../src/helper/ports.js';
import { vaultApi } from '../../helpers/vault-api.js';
import { type DevClusterRun, alive, eventually, listening, spawnDevCluster, within } from './harness.js';

describe(
  'tresor dev-cluster: Consul + 3 nodes, initialised and unsealed, stopped by SIGINT',
  { timeout: CONSUL_START_TIMEOUT },
  () => {
    let dir: string;
    let dev: DevClusterRun;
    let basePort: number;
    let consulPort: number;
    let dnsPort: number;
    const nodes: { name: string; addr: string; port: number; pid: number }[] = [];
    let consulPid = 0;

    before(
      async () => {
        const consul = await consulBinary();
        dir = await mkdtemp(join(tmpdir(), 'tresor-dev-cluster-test-'));
        const offsets = [0, 1, 10, 11, 20, 21];
        basePort = await freeBasePort(offsets);
        const nodePorts = offsets.map((d) => basePort + d);
        [consulPort = 0, dnsPort = 0] = await freePorts(2, true, new Set(nodePorts));
        dev = spawnDevCluster([
          '-nodes=3',
          `-base-port=${basePort}`,
          `-consul-port=${consulPort}`,
          `-dns-port=${dnsPort}`,
          `-consul-bin=${consul}`,
          `-dir=${dir}`,
          '-log-level=warn',
        ]);
        await dev.ready();
        for (const m of dev.stdout.matchAll(
          /^\s+(node\d)\s+(http:\/\/127\.0\.0\.1:(\d+))\s+\w+\s+pid (\d+)$/gm,
        )) {
          nodes.push({ name: m[1]!, addr: m[2]!, port: Number(m[3]), pid: Number(m[4]) });
        }
        consulPid = Number(/^Consul: .*pid (\d+)/m.exec(dev.stdout)?.[1] ?? 0);
      },
      { timeout: CONSUL_START_TIMEOUT },
    );

    after(async () => {
      if (dev.child.exitCode === null && dev.child.signalCode === null) {
        dev.child.kill('SIGINT');
        await within(dev.exited, 30_000);
      }
      for (const pid of [consulPid, ...nodes.map((n) => n.pid)])
        if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
      if (dev.child.exitCode === null && dev.child.signalCode === null) dev.child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    });

    it('prints every address: Consul on the chosen port, three nodes 10 ports apart', () => {
      assert.match(
        dev.stdout,
        new RegExp(
          `Consul: +http://127\\.0\\.0\\.1:${consulPort} \\(UI: http://127\\.0\\.0\\.1:${consulPort}/ui/`,
        ),
      );
      assert.deepEqual(
        nodes.map((n) => n.port),
        [basePort, basePort + 10, basePort + 20],
      );
      assert.ok(consulPid > 0 && alive(consulPid));
      for (const n of nodes) assert.ok(alive(n.pid), `${n.name} runs`);
    });

    it('has exactly one active node (200) and two standbys (429)', async () => {
      const codes = await Promise.all(
        nodes.map(async (n) => (await vaultApi(n.addr, 'GET', 'sys/health')).status),
      );
      assert.deepEqual([...codes].sort(), [200, 429, 429], `health codes ${codes.join(',')}`);
      for (const n of nodes) {
        const seal = await vaultApi(n.addr, 'GET', 'sys/seal-status');
        assert.equal(seal.body.sealed, false);
        assert.equal(seal.body.n, 5);
        assert.equal(seal.body.t, 3);
      }
    });

    it('writes the keys file with mode 0600, and its root token works (kv v2 at secret/, through a standby)', async () => {
      const file = join(dir, 'cluster-keys.json');
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      const keys = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      assert.match(String(keys.WARNING), /DEVELOPMENT ONLY/);
      assert.equal((keys.unseal_keys_b64 as string[]).length, 5);
      assert.equal(keys.unseal_threshold, 3);
      const token = String(keys.root_token);
      assert.match(dev.stdout, /WARNING!/);
      const self = await vaultApi(nodes[0]!.addr, 'GET', 'auth/token/lookup-self', undefined, { token });
      assert.equal(self.status, 200);
      assert.deepEqual((self.body.data as { policies: string[] }).policies, ['root']);
      const codes = await Promise.all(
        nodes.map(async (n) => (await vaultApi(n.addr, 'GET', 'sys/health')).status),
      );
      const standby = nodes[codes.indexOf(429)]!;
      assert.equal(
        (await vaultApi(standby.addr, 'POST', 'secret/data/dev', { data: { hello: 'world' } }, { token }))
          .status,
        200,
      );
      const read = await vaultApi(nodes[codes.indexOf(200)]!.addr, 'GET', 'secret/data/dev', undefined, {
        token,
      });
      assert.deepEqual((read.body.data as { data: unknown }).data, { hello: 'world' });
      assert.equal(
        (await vaultApi(standby.addr, 'GET', 'auth/token/lookup-self', undefined, { token: 'not-a-token' }))
          .status,
        403,
      );
    });

    /** The resolver, or undefined when this build has none (dns/main.ts not there yet). */
    const dnsResolver = (): Resolver | undefined => {
      if (/DNS: +not available/.test(dev.stdout)) return undefined;
      const port = Number(/DNS: +127\.0\.0\.1:(\d+) \(udp\)/.exec(dev.stdout)?.[1] ?? 0);
      assert.equal(port, dnsPort);
      const resolver = new Resolver({ timeout: 2000, tries: 1 });
      resolver.setServers([`127.0.0.1:${port}`]);
      return resolver;
    };
    /** The port in the SRV answer for active.vault.service.consul (0 when there is none). */
    const activeSrvPort = async (resolver: Resolver): Promise<number> => {
      try {
        return (await resolver.resolveSrv('active.vault.service.consul'))[0]?.port ?? 0;
      } catch {
        return 0;
      }
    };
    const activeNode = async (): Promise<(typeof nodes)[number] | undefined> => {
      for (const n of nodes) {
        if (!alive(n.pid)) continue;
        try {
          if ((await vaultApi(n.addr, 'GET', 'sys/health')).status === 200) return n;
        } catch {
          // down
        }
      }
      return undefined;
    };

    it('answers active.vault.consul through the embedded resolver', async () => {
      const resolver = dnsResolver();
      assert.ok(resolver !== undefined, 'the dev cluster embeds the DNS resolver');
      await eventually(
        'active.vault.consul → 127.0.0.1',
        async () => {
          try {
            return (await resolver.resolve4('active.vault.consul')).includes('127.0.0.1');
          } catch {
            return false;
          }
        },
        10_000,
      );
      const active = await activeNode();
      await eventually(
        `SRV active.vault.service.consul → port ${active?.port ?? '?'}`,
        async () => (await activeSrvPort(resolver)) === active?.port,
        10_000,
      );
    });

    it('fails over when the active node is killed, prints it, and DNS follows', async () => {
      const old = await activeNode();
      assert.ok(old !== undefined, 'an active node');
      process.kill(old.pid, 'SIGKILL');
      let next: (typeof nodes)[number] | undefined;
      await eventually(
        'a standby takes over',
        async () => {
          next = await activeNode();
          return next !== undefined && next !== old;
        },
        15_000,
      );
      await eventually(
        'the dev cluster reports the kill and the new role',
        () =>
          dev.stdout.includes(`${old.name} (${old.addr}) killed by SIGKILL`) &&
          dev.stdout.includes(`${next?.name ?? '?'} (${next?.addr ?? '?'}) is now active`),
        5000,
      );
      const resolver = dnsResolver();
      if (resolver !== undefined) {
        await eventually(
          `SRV active.vault.service.consul → port ${next?.port ?? '?'}`,
          async () => (await activeSrvPort(resolver)) === next?.port,
          10_000,
        );
      }
    });

    it('stops everything on SIGINT: exit 0, every child gone, ports closed, temp files removed', async () => {
      const configDir = /^Node configs: +(\S+)\/<node>\.hcl/m.exec(dev.stdout)?.[1] ?? '';
      assert.ok(
        configDir !== '' && existsSync(configDir),
        `the node config folder ${configDir} exists while running`,
      );
      const started = Date.now();
      dev.child.kill('SIGINT');
      const end = await within(dev.exited, 30_000);
      assert.ok(end !== undefined, `dev-cluster did not exit within 30 s:\n${dev.stdout}`);
      assert.equal(end.code, 0, dev.stdout);
      for (const pid of [consulPid, ...nodes.map((n) => n.pid)])
        assert.equal(alive(pid), false, `pid ${pid} is gone`);
      for (const port of [consulPort, dnsPort, ...nodes.map((n) => n.port)])
        assert.equal(await listening(port), false, `port ${port} is closed`);
      assert.ok(Date.now() - started < 30_000);
      assert.match(
        dev.stdout,
        /Stopping node\d \(standby\)\n==> Stopping node\d \(active\)\n==> Stopping Consul/,
      );
      assert.equal(existsSync(configDir), false, 'the temporary folder is removed');
      assert.ok(existsSync(join(dir, 'cluster-keys.json')), 'the keys file stays in -dir');
    });
  },
);
