import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHaCluster, type HaCluster, type HaNode } from '../../helpers/ha-cluster.js';
import { CONSUL_START_TIMEOUT } from '../../helpers/consul.js';
import {
  agentChecks,
  catalog,
  health,
  sealedCheckOf,
  tagsOf,
  until,
  type HealthEntry,
} from './consul-view.js';

/** check_timeout of the cluster's registrations (the sealed check's TTL). */
const CHECK_TIMEOUT_MS = 2000;

/** Vault's service id of a node: `vault:<api host>:<api port>`. */
function idOf(n: HaNode): string {
  const url = new URL(n.addr);
  return `vault:${url.hostname}:${url.port}`;
}

/** Three real `tresor server` processes on one real Consul agent, registering as the service `vault`. */
describe('service registration of real HA nodes in Consul', { timeout: CONSUL_START_TIMEOUT }, () => {
  let c: HaCluster;
  const http = (): string => c.consul.httpAddr;
  const entryOf = async (n: HaNode): Promise<HealthEntry | undefined> =>
    (await health(http(), 'vault')).find((e) => e.Service.ID === idOf(n));
  const passingActive = async (): Promise<string[]> =>
    (await health(http(), 'vault', { passing: true, tag: 'active' })).map((e) => e.Service.ID);

  /** Waits until Consul shows exactly one passing `active` instance, the given node's if named; returns its id. */
  const oneActive = (timeoutMs: number, node?: HaNode): Promise<string> =>
    until('one passing active instance', timeoutMs, async () => {
      const ids = await passingActive();
      return ids.length === 1 && (node === undefined || ids[0] === idOf(node)) ? ids[0] : undefined;
    });

  before(
    async () => {
      c = await startHaCluster(3, `check_timeout = "${CHECK_TIMEOUT_MS / 1000}s"`);
    },
    { timeout: CONSUL_START_TIMEOUT },
  );
  after(async () => {
    await c.stop();
  });

  it('registers every node: one active, the others standby, all initialized, with Vault ids and checks', async () => {
    const active = await c.active();
    await oneActive(10_000, active);
    const entries = await until('three passing instances', 10_000, async () => {
      const e = await health(http(), 'vault', { passing: true });
      return e.length === 3 && e.filter((x) => tagsOf(x).includes('standby')).length === 2 ? e : undefined;
    });
    for (const n of c.nodes) {
      const e = entries.find((x) => x.Service.ID === idOf(n));
      assert.ok(
        e !== undefined,
        `${n.name} (${idOf(n)}) is registered: ${entries.map((x) => x.Service.ID).join(', ')}`,
      );
      assert.deepEqual(tagsOf(e), n === active ? ['active', 'initialized'] : ['initialized', 'standby']);
      assert.equal(e.Service.Service, 'vault');
      assert.equal(e.Service.Address, '127.0.0.1');
      assert.equal(e.Service.Port, Number(new URL(n.addr).port));
      assert.equal(e.Service.Meta?.['external-source'], 'vault');
      assert.match(e.Service.Meta['tresor-node-id'] ?? '', /^[0-9a-f-]{36}$/);
      const check = sealedCheckOf(e);
      assert.equal(check?.CheckID, `${idOf(n)}:vault-sealed-check`);
      assert.equal(check.Name, 'Vault Sealed Status');
      assert.equal(check.Status, 'passing');
      assert.equal(check.Output, 'Vault Unsealed');
    }
    const checks = await agentChecks(http());
    for (const n of c.nodes) assert.equal(checks[`${idOf(n)}:vault-sealed-check`]?.ServiceID, idOf(n));
    const cat = await catalog(http(), 'vault');
    assert.deepEqual(cat.map((x) => x.ServiceID).sort(), c.nodes.map(idOf).sort());
  });

  it('sealing a standby makes its check critical and drops it from ?passing; unsealing brings it back', async () => {
    const active = await c.active();
    const standby = c.nodes.find((n) => n !== active)!;
    const t0 = Date.now();
    assert.equal((await c.api(standby, 'PUT', 'sys/seal', undefined, c.rootToken)).status, 204);
    const e = await until('critical sealed check', 3000, async () => {
      const x = await entryOf(standby);
      return x !== undefined && sealedCheckOf(x)?.Status === 'critical' ? x : undefined;
    });
    console.log(`# sealed standby went critical in Consul ${Date.now() - t0} ms after sys/seal`);
    assert.equal(sealedCheckOf(e)?.Output, 'Vault Sealed');
    assert.deepEqual(tagsOf(e), ['initialized'], 'a sealed node is neither active nor standby');
    const passing = (await health(http(), 'vault', { passing: true })).map((x) => x.Service.ID);
    assert.ok(!passing.includes(idOf(standby)), `?passing dropped the sealed node: ${passing.join(', ')}`);
    assert.ok(passing.includes(idOf(active)));

    assert.equal((await c.api(standby, 'PUT', 'sys/unseal', { key: c.unsealKey })).body.sealed, false);
    await until('unsealed standby passing again', 3000, async () => {
      const x = (await health(http(), 'vault', { passing: true, tag: 'standby' })).find(
        (y) => y.Service.ID === idOf(standby),
      );
      return x;
    });
  });

  it('step-down swaps the tags; at no point are two passing instances tagged active', async () => {
    const active = await c.active();
    await oneActive(5000, active);
    let maxActive = 1;
    const watch = { on: true };
    const watcher = (async () => {
      while (watch.on) {
        maxActive = Math.max(maxActive, (await passingActive()).length);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const t0 = Date.now();
    try {
      assert.equal((await c.api(active, 'PUT', 'sys/step-down', undefined, c.rootToken)).status, 204);
      await until('old active tagged standby', 3000, async () => {
        const e = await entryOf(active);
        return e !== undefined && tagsOf(e).includes('standby') ? true : undefined;
      });
      const demotedMs = Date.now() - t0;
      const next = await c.active(10_000);
      assert.notEqual(next, active);
      await oneActive(5000, next);
      console.log(
        `# step-down: old active re-tagged in ${demotedMs} ms, new active tagged after ${Date.now() - t0} ms`,
      );
    } finally {
      watch.on = false;
      await watcher;
    }
    assert.equal(maxActive, 1, 'never two passing active instances during a step-down');
  });

  it('after SIGKILL of the active, the new active is tagged and the dead one stops passing within check_timeout', async () => {
    const active = await c.active();
    await oneActive(5000, active);
    const deadId = idOf(active);
    await active.process!.kill();
    const killedAt = Date.now();
    let deadPassingUntil = killedAt;
    let newActiveAt: number | undefined;
    const newId = await until(
      'a new passing active and the dead one gone from ?passing',
      15_000,
      async () => {
        const ids = await passingActive();
        const now = Date.now();
        if (ids.includes(deadId)) deadPassingUntil = now;
        const others = ids.filter((id) => id !== deadId);
        if (others.length === 1) newActiveAt ??= now;
        return others.length === 1 && !ids.includes(deadId) ? others[0] : undefined;
      },
    );
    const deadWindow = deadPassingUntil - killedAt;
    console.log(
      `# SIGKILL: new active tagged after ${(newActiveAt ?? Date.now()) - killedAt} ms; dead instance passing+active for ${deadWindow} ms (check_timeout ${CHECK_TIMEOUT_MS} ms)`,
    );
    assert.notEqual(newId, deadId);
    assert.ok(
      deadWindow <= CHECK_TIMEOUT_MS + 1000,
      `dead active still passing ${deadWindow} ms after the kill`,
    );
    const dead = (await health(http(), 'vault')).find((e) => e.Service.ID === deadId);
    assert.equal(
      dead === undefined ? 'deregistered' : sealedCheckOf(dead)?.Status,
      'critical',
      'a crash leaves a critical instance (reaped later by deregister_critical_service_after)',
    );

    await active.start();
    await until('the restarted node passing as standby under the same id', 10_000, async () =>
      (await health(http(), 'vault', { passing: true, tag: 'standby' })).find((e) => e.Service.ID === deadId),
    );
    assert.equal(
      (await health(http(), 'vault')).filter((e) => e.Service.ID === deadId).length,
      1,
      'one instance per node, never a duplicate',
    );
  });

  it('a clean stop (SIGTERM) deregisters the instance before the process exits', async () => {
    const active = await c.active();
    const standby = c.nodes.find((n) => n !== active)!;
    assert.ok((await catalog(http(), 'vault')).some((e) => e.ServiceID === idOf(standby)));
    await standby.process!.stop();
    const ids = (await catalog(http(), 'vault')).map((e) => e.ServiceID);
    assert.ok(!ids.includes(idOf(standby)), `deregistered at once: ${ids.join(', ')}`);
    assert.equal((await agentChecks(http()))[`${idOf(standby)}:vault-sealed-check`], undefined);

    // The active too: gone at once, and another node takes the tag.
    await active.process!.stop();
    assert.ok(!(await catalog(http(), 'vault')).some((e) => e.ServiceID === idOf(active)));
    const left = c.nodes.find((n) => n !== active && n !== standby)!;
    await oneActive(10_000, left);
  });
});
