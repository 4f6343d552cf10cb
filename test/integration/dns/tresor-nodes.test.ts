import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { execFile } from 'node:child_process';
import { startHaCluster } from '../../helpers/ha-cluster.js';
import type { HaCluster, HaNode } from '../../helpers/ha-cluster.js';
import { CONSUL_START_TIMEOUT } from '../../helpers/consul.js';
import { resolverConfig, withOverrides } from '../../../dns/config.js';
import { startResolver } from '../../../dns/main.js';
import type { RunningResolver } from '../../../dns/main.js';
import { silentLogger } from '../../../src/helper/logger.js';

const hostOf = (n: HaNode): string => new URL(n.addr).hostname;

async function aRecords(r: Resolver, name: string): Promise<string[]> {
  try {
    return (await r.resolve4(name)).sort();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENODATA' || code === 'ENOTFOUND') return [];
    throw err;
  }
}

function dig(port: number, name: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(
      'dig',
      ['@127.0.0.1', '-p', String(port), '+short', '+tries=1', '+time=2', name, 'A'],
      (err, stdout) => {
        if (err !== null) reject(new Error(`dig failed: ${err.message}`));
        else
          resolve(
            stdout
              .split('\n')
              .filter((l) => l.trim() !== '')
              .sort(),
          );
      },
    );
  });
}

/**
 * The resolver in front of REAL tresor nodes on a real Consul: active.vault.consul is the node that
 * holds the lock, follows a SIGKILL failover, and never names a standby or a sealed node.
 */
describe(
  'DNS for real tresor nodes: active.vault.consul follows the lock',
  { timeout: CONSUL_START_TIMEOUT },
  () => {
    let c: HaCluster;
    let resolver: RunningResolver;
    let dns: Resolver;
    before(
      async () => {
        c = await startHaCluster(3, 'check_timeout = "2s"', { distinctIps: true });
        const config = withOverrides(
          resolverConfig({ consul: [{ path: 'tresor/' }], ttl: [{ active: 0 }] }, 'test', {}),
          {
            listen: '127.0.0.1:0',
            http: '127.0.0.1:0',
            consul: c.consul.httpAddr,
          },
        );
        resolver = await startResolver(config, { logger: silentLogger() });
        dns = new Resolver({ timeout: 2000, tries: 1 });
        dns.setServers([`127.0.0.1:${resolver.udpPort}`]);
      },
      { timeout: CONSUL_START_TIMEOUT },
    );
    after(async () => {
      await resolver.stop();
      await c.stop();
    });

    async function waitFor(name: string, expected: string[], timeoutMs = 10_000): Promise<number> {
      const started = Date.now();
      for (;;) {
        // SERVFAIL while the resolver's view of Consul is still loading
        const got = await aRecords(dns, name).catch(() => ['(servfail)']);
        if (JSON.stringify(got) === JSON.stringify(expected)) return Date.now() - started;
        if (Date.now() - started > timeoutMs)
          assert.fail(`${name}: expected ${expected.join(',')}, got ${got.join(',')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }

    it('answers active.vault.consul and active.vault.service.consul with the lock holder, via Node and dig', async () => {
      const active = await c.active();
      await waitFor('active.vault.consul', [hostOf(active)]);
      assert.deepEqual(await aRecords(dns, 'active.vault.service.consul'), [hostOf(active)]);
      assert.deepEqual(await dig(resolver.udpPort, 'active.vault.consul'), [hostOf(active)]);
      const standbys = c.nodes
        .filter((n) => n !== active)
        .map(hostOf)
        .sort();
      await waitFor('standby.vault.consul', standbys);
    });

    it('after SIGKILL of the active, the answer moves to the new active, never to a standby', async () => {
      const active = await c.active();
      const others = new Set(c.nodes.filter((n) => n !== active).map(hostOf));
      await active.process!.kill();
      const next = await c.active(20_000);
      const lockChangedAt = Date.now();
      let seenStandby = '';
      const started = Date.now();
      for (;;) {
        const got = await aRecords(dns, 'active.vault.consul');
        for (const ip of got) if (ip !== hostOf(next) && ip !== hostOf(active)) seenStandby = ip;
        if (got.length === 1 && got[0] === hostOf(next)) break;
        if (Date.now() - started > 10_000)
          assert.fail(`active.vault.consul never moved to ${hostOf(next)}; last ${got.join(',')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      console.log(`# DNS followed the new active ${Date.now() - lockChangedAt} ms after it reported active`);
      assert.equal(seenStandby, '', `a standby (${seenStandby}) was answered for active`);
      assert.ok(others.has(hostOf(next)));
      await active.start();
    });

    it('a sealed node is never answered, and the answer holds while a standby is sealed', async () => {
      const active = await c.active();
      const standby = c.nodes.find((n) => n !== active)!;
      assert.equal((await c.api(standby, 'PUT', 'sys/seal', undefined, c.rootToken)).status, 204);
      await waitFor(
        'standby.vault.consul',
        c.nodes
          .filter((n) => n !== active && n !== standby)
          .map(hostOf)
          .sort(),
      );
      assert.deepEqual(await aRecords(dns, 'active.vault.consul'), [hostOf(active)]);
      assert.ok(
        !(await aRecords(dns, 'vault.service.consul')).includes(hostOf(standby)),
        'the sealed node is not a passing instance',
      );
      await c.api(standby, 'PUT', 'sys/unseal', { key: c.unsealKey });
    });
  },
);
