import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mountSecretKv, waitForRoles } from '../../../src/cluster/bootstrap.js';
import { CONSUL_START_TIMEOUT } from '../../helpers/consul.js';
import { startHaCluster, type HaCluster, type HaNode } from '../../helpers/ha-cluster.js';
import { health, sealedCheckOf, until } from '../registration/consul-view.js';

const TIMEOUT = 180_000;
/** The client's own loopback address, distinct from every node's (127.0.0.2, 127.0.0.3). */
const CLIENT_ADDRESS = '127.0.0.9';

interface Entry {
  type: string;
  request: { path: string; remote_address?: string };
}

/** A kv write from CLIENT_ADDRESS to `node` (whatever its role). */
function writeFrom(node: HaNode, token: string, path: string): Promise<number> {
  const url = new URL(`/v1/${path}`, node.addr);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        localAddress: CLIENT_ADDRESS,
        headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ data: { v: 'x' } }));
  });
}

async function entriesFor(file: string, path: string): Promise<Entry[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Entry)
    .filter((e) => e.request.path === path);
}

async function waitForEntries(file: string, path: string, count: number): Promise<Entry[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = await entriesFor(file, path);
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`${path}: ${found.length} entries, not ${count}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Audit with HA on Consul: the table lives in the barrier, the active node opens the devices, and
 * a request a standby forwards is recorded once, by the active node, with the client's address
 * (not the standby's). After a step-down the new active node records to the same device.
 */
describe('audit on an HA cluster', () => {
  let c: HaCluster;
  let dir: string;

  before(
    async () => {
      c = await startHaCluster(2, '', { distinctIps: true });
      dir = await mkdtemp(join(tmpdir(), 'tresor-audit-ha-'));
      await mountSecretKv(await c.active(), c.rootToken);
    },
    { timeout: CONSUL_START_TIMEOUT + TIMEOUT },
  );

  after(async () => {
    await c.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'records a forwarded request once, on the active node, with the client address',
    { timeout: TIMEOUT },
    async () => {
      const file = join(dir, 'audit.log');
      const active = await c.active();
      const standby = c.nodes.find((n) => n !== active);
      assert.ok(standby !== undefined);
      const enabled = await c.api(
        active,
        'PUT',
        'sys/audit/file',
        { type: 'file', options: { file_path: file } },
        c.rootToken,
      );
      assert.equal(enabled.status, 204, enabled.text);

      assert.equal(await writeFrom(standby, c.rootToken, 'secret/data/forwarded'), 200);
      const entries = await waitForEntries(file, 'secret/data/forwarded', 2);
      // A moment for any second copy to land, then count again.
      await new Promise((r) => setTimeout(r, 300));
      const settled = await entriesFor(file, 'secret/data/forwarded');
      assert.deepEqual(
        settled.map((e) => e.type),
        ['request', 'response'],
        'one request entry and one response entry',
      );
      for (const e of entries) assert.equal(e.request.remote_address, CLIENT_ADDRESS);

      // The device follows the active role: after a step-down the other node records.
      const stepped = await c.api(active, 'PUT', 'sys/step-down', undefined, c.rootToken);
      assert.equal(stepped.status, 204, stepped.text);
      const roles = await waitForRoles(c.nodes, 60_000);
      const next = c.nodes[roles.indexOf('active')];
      assert.equal(next, standby, 'the standby took over');
      assert.equal(await writeFrom(standby, c.rootToken, 'secret/data/after-step-down'), 200);
      const later = await waitForEntries(file, 'secret/data/after-step-down', 2);
      assert.equal(later[0]?.request.remote_address, CLIENT_ADDRESS);
    },
  );
  it(
    'reports a blocked audit in sys/health, its readiness probe and its Consul check, and recovers by itself',
    { timeout: TIMEOUT },
    async () => {
      const active = await c.active();
      assert.equal((await c.api(active, 'DELETE', 'sys/audit/file', undefined, c.rootToken)).status, 204);
      const fifo = join(dir, 'audit.fifo');
      execFileSync('mkfifo', [fifo]);
      let reader = await open(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      const enabled = await c.api(
        active,
        'PUT',
        'sys/audit/pipe',
        { type: 'file', options: { file_path: fifo, mode: '0000' } },
        c.rootToken,
      );
      assert.equal(enabled.status, 204, enabled.text);
      const port = new URL(active.addr).port;
      const checkOf = async (): Promise<{ Status: string; Output: string } | undefined> => {
        const entries = await health(c.consul.httpAddr, 'vault');
        const mine = entries.find((e) => String(e.Service.Port) === port);
        return mine === undefined ? undefined : sealedCheckOf(mine);
      };
      await until('the check passing', 20_000, async () =>
        (await checkOf())?.Status === 'passing' ? true : undefined,
      );

      // Nobody reads the pipe: the node refuses requests, and says so everywhere.
      await reader.close();
      const refused = await c.api(active, 'POST', 'secret/data/blocked', { data: { v: 'x' } }, c.rootToken);
      assert.equal(refused.status, 500, refused.text);
      const ready = await c.api(active, 'GET', 'sys/health/ready');
      assert.equal(ready.status, 503, ready.text);
      assert.match(String(ready.body.reason), /^audit blocked: audit device pipe\/: /);
      const healthBody = await c.api(active, 'GET', 'sys/health');
      assert.equal(healthBody.status, 200, "sys/health keeps Vault's codes");
      assert.match(String(healthBody.body.degraded), /^audit blocked/);
      assert.equal((await c.api(active, 'GET', 'sys/health/live')).status, 200, 'alive all the same');
      const critical = await until('the Consul check critical', 20_000, async () => {
        const check = await checkOf();
        return check?.Status === 'critical' ? check : undefined;
      });
      assert.match(critical.Output, /audit blocked/);
      const passingActive = await health(c.consul.httpAddr, 'vault', { passing: true, tag: 'active' });
      assert.deepEqual(passingActive, [], 'Consul DNS names no healthy active node');

      // A reader again: with no request at all, the device's test entries show the recovery.
      reader = await open(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      try {
        await until('ready again', 20_000, async () =>
          (await c.api(active, 'GET', 'sys/health/ready')).status === 200 ? true : undefined,
        );
        await until('the check passing again', 20_000, async () =>
          (await checkOf())?.Status === 'passing' ? true : undefined,
        );
        assert.equal(
          (await c.api(active, 'POST', 'secret/data/blocked', { data: { v: 'y' } }, c.rootToken)).status,
          200,
        );
        assert.equal((await c.api(active, 'DELETE', 'sys/audit/pipe', undefined, c.rootToken)).status, 204);
      } finally {
        await reader.close();
      }
    },
  );
});
