import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { startHaCluster } from '../../helpers/ha-cluster.js';
import type { HaCluster, HaNode } from '../../helpers/ha-cluster.js';
import { CONSUL_START_TIMEOUT, lockKey } from '../../helpers/consul.js';
import { startTcpRelay } from '../../helpers/tcp-relay.js';
import { writeSecret } from '../../helpers/write-load.js';
import { waitForRoles } from '../../../src/cluster/bootstrap.js';

/**
 * A standby that finds the active node gone ends its hold on the lock at once (README.md, "High
 * availability on Consul": src/http/ha-follower.ts, HaController.endHold). The lock's check TTL is
 * set to 30 s here (session TTL 60 s), so a failover seen within the test's waits can only come from
 * the standbys ending the hold, never from Consul's timers.
 *
 * The second case provokes a wrong detection: the active node is alive, but it advertises an
 * api_addr behind a relay, and the relay goes away. The standbys end its hold; the living node must
 * see its lock lost and demote, and writes sent all along to every node must neither be lost nor
 * applied twice.
 */

const SLOW_TTL = ['check_ttl = "30s"', 'session_ttl = "60s"'].join('\n');
/** Well below the 30 s check TTL: a new active within this long means a standby ended the hold. */
const TAKEOVER_WAIT_MS = 15_000;
const VERSIONED = 'gone/versioned';

async function sessionExists(c: HaCluster, id: string): Promise<boolean> {
  const res = await fetch(`http://${c.consul.httpAddr}/v1/session/info/${id}`);
  return ((await res.json()) as unknown[] | null)?.length === 1;
}

async function until(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean> | boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function output(n: HaNode): string {
  return n.process?.output() ?? '';
}

/** Steps the active node down until `want` is the active one. */
async function makeActive(c: HaCluster, want: HaNode): Promise<void> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const roles = await waitForRoles(c.nodes);
    const active = c.nodes[roles.indexOf('active')];
    if (active === want) return;
    if (active === undefined) continue;
    const res = await c.api(active, 'PUT', 'sys/step-down', undefined, c.rootToken);
    assert.equal(res.status, 204, JSON.stringify(res.body));
  }
  throw new Error(`${want.name} did not become active`);
}

describe(
  'HA: a standby ends the hold of an active node that is gone',
  { timeout: CONSUL_START_TIMEOUT },
  () => {
    let c: HaCluster;

    before(
      async () => {
        c = await startHaCluster(3, SLOW_TTL);
        const active = await c.active();
        const mount = await c.api(
          active,
          'POST',
          'sys/mounts/secret',
          { type: 'kv', options: { version: '2' } },
          c.rootToken,
        );
        assert.equal(mount.status, 204, JSON.stringify(mount.body));
        // Keep every version of the versioned key, so that each one can be read back.
        const meta = await c.api(
          active,
          'POST',
          `secret/metadata/${VERSIONED}`,
          { max_versions: 100_000 },
          c.rootToken,
        );
        assert.equal(meta.status, 204, JSON.stringify(meta.body));
      },
      { timeout: CONSUL_START_TIMEOUT },
    );
    after(async () => {
      await c.stop();
    });

    it(
      'a killed active node’s session is destroyed by a standby and another node takes over',
      { timeout: 120_000 },
      async () => {
        const roles = await waitForRoles(c.nodes);
        const victim = c.nodes[roles.indexOf('active')]!;
        const survivors = c.nodes.filter((n) => n !== victim);
        const held = await lockKey(c.consul.httpAddr);
        assert.ok(held.session !== undefined, 'the lock is held');
        // Both standbys follow the active node before it dies.
        await until('the standbys to follow the active node', 20_000, () =>
          survivors.every((n) => output(n).includes('following the active node')),
        );

        await victim.process?.kill();
        await until('another node to hold the lock', TAKEOVER_WAIT_MS, async () => {
          const now = await lockKey(c.consul.httpAddr);
          return (
            now.session !== undefined && now.session !== held.session && !now.value.includes('promoting')
          );
        });
        assert.equal(await sessionExists(c, held.session), false, 'the dead node’s session was destroyed');
        assert.ok(
          survivors.some((n) =>
            output(n).includes('the active node is gone; ending its hold on the HA lock'),
          ),
          'a standby reports that it ended the dead node’s hold',
        );
        const next = await c.active(TAKEOVER_WAIT_MS);
        assert.ok(survivors.includes(next));
        const res = await c.api(
          next,
          'POST',
          'secret/data/gone/after-kill',
          { data: { v: 'x' } },
          c.rootToken,
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));

        await victim.start();
        await waitForRoles(c.nodes);
      },
    );

    it(
      'a wrong detection against a living active node costs a failover, not a write',
      { timeout: 180_000 },
      async () => {
        // node0 advertises an api_addr behind a relay; the relay going away looks like a dead process.
        const fronted = c.nodes[0]!;
        const port = Number(new URL(fronted.addr).port);
        const relay = await startTcpRelay('127.0.0.1', port);
        await fronted.process?.stop();
        const config = await readFile(fronted.config, 'utf8');
        const relayed = config.replace(
          /^api_addr\s*=.*$/m,
          `api_addr      = "http://127.0.0.1:${relay.port}"`,
        );
        assert.notEqual(relayed, config);
        await writeFile(fronted.config, relayed);
        await fronted.start();
        const others = c.nodes.filter((n) => n !== fronted);
        const mark = others.map((n) => output(n).length);
        await makeActive(c, fronted);
        await until('the standbys to follow node0 through the relay', 20_000, () =>
          others.every((n, i) => output(n).slice(mark[i]).includes(`127.0.0.1:${relay.port}`)),
        );
        const held = await lockKey(c.consul.httpAddr);

        // Writers of distinct keys and of successive versions of one key, to every node in turn.
        const acks = new Map<string, string>();
        const versions = new Map<number, string>();
        const run = { stop: false };
        const writers = [
          ...[0, 1].map(async (w) => {
            for (let seq = 0; !run.stop; seq++) {
              const key = `gone/w${w}/k${seq}`;
              const value = `v-${w}-${seq}`;
              if ((await writeSecret(c.nodes[seq % 3]!, c.rootToken, key, value))?.version !== undefined)
                acks.set(key, value);
              await new Promise((r) => setTimeout(r, 10));
            }
          }),
          (async () => {
            for (let seq = 0; !run.stop; seq++) {
              const value = `version-${seq}`;
              const version = (await writeSecret(c.nodes[seq % 3]!, c.rootToken, VERSIONED, value))?.version;
              if (version !== undefined) {
                assert.equal(versions.has(version), false, `version ${version} acknowledged twice`);
                versions.set(version, value);
              }
              await new Promise((r) => setTimeout(r, 10));
            }
          })(),
        ];
        try {
          await until('writes before the wrong detection', 30_000, () => acks.size >= 20);
          const frontedMark = output(fronted).length;
          await relay.close();
          await until('node0 to see its lock lost', TAKEOVER_WAIT_MS, () =>
            output(fronted).slice(frontedMark).includes('lost the HA lock'),
          );
          assert.equal(await sessionExists(c, held.session!), false, 'the living node’s session was ended');
          assert.equal(fronted.process?.child.exitCode, null, 'node0 is still running');
          await waitForRoles(c.nodes);
          const afterwards = acks.size;
          await until('writes after the failover', 30_000, () => acks.size >= afterwards + 20);
        } finally {
          run.stop = true;
          await Promise.all(writers);
        }

        const active = await c.active();
        for (const [key, value] of acks) {
          const res = await c.api(active, 'GET', `secret/data/${key}`, undefined, c.rootToken);
          assert.equal(res.status, 200, `${key} was acknowledged and is gone`);
          assert.equal((res.body as { data: { data: { v: string } } }).data.data.v, value, key);
        }
        // Every version holds a distinct value: no write was applied twice; each acknowledged version has its value.
        const meta = await c.api(active, 'GET', `secret/metadata/${VERSIONED}`, undefined, c.rootToken);
        const current = (meta.body as { data: { current_version: number } }).data.current_version;
        const seen = new Set<string>();
        for (let v = 1; v <= current; v++) {
          const res = await c.api(
            active,
            'GET',
            `secret/data/${VERSIONED}?version=${v}`,
            undefined,
            c.rootToken,
          );
          assert.equal(res.status, 200, `version ${v}`);
          const value = (res.body as { data: { data: { v: string } } }).data.data.v;
          assert.equal(seen.has(value), false, `${value} was applied twice`);
          seen.add(value);
          const acked = versions.get(v);
          if (acked !== undefined) assert.equal(value, acked, `version ${v}`);
        }
        assert.ok(versions.size > 0 && current >= versions.size);
      },
    );
  },
);
