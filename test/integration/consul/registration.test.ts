import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeState } from '../../../src/core/node-state.js';
import { createLogger } from '../../../src/helper/logger.js';
import { ConsulClient } from '../../../consul/client/client.js';
import {
  ConsulRegistration,
  type RegistrationSettings,
} from '../../../consul/registration/consul-registration.js';
import { CONSUL_START_TIMEOUT, startConsul, type ConsulAgent } from '../../helpers/consul.js';
import { freePort } from '../../../src/helper/ports.js';
import { agentChecks, consulGet, consulPut, until, type AgentCheck } from '../registration/consul-view.js';

interface AgentServiceView {
  ID: string;
  Service: string;
  Tags: string[] | null;
  Address: string;
  Port: number;
  Meta: Record<string, string> | null;
}

/** A logger whose lines are kept for assertions. */
function capturingLogger(): {
  logger: ReturnType<typeof createLogger>;
  lines: () => { level: number; msg: string }[];
} {
  const out: string[] = [];
  const logger = createLogger('debug', { write: (s: string) => out.push(s) });
  return { logger, lines: () => out.map((l) => JSON.parse(l) as { level: number; msg: string }) };
}

const SETTINGS: RegistrationSettings = {
  service: 'vault',
  serviceTags: ['blue', 'active'],
  checkTimeout: 2,
  deregisterCriticalServiceAfter: 60,
};

/** The registration class against a real agent, with the node state driven by hand. */
describe('ConsulRegistration on a real Consul agent', { timeout: CONSUL_START_TIMEOUT }, () => {
  let consul: ConsulAgent;
  let client: ConsulClient;
  before(
    async () => {
      consul = await startConsul();
      client = new ConsulClient({ address: consul.httpAddr });
    },
    { timeout: CONSUL_START_TIMEOUT },
  );
  after(async () => {
    client.close();
    await consul.stop();
  });

  const service = async (id: string): Promise<AgentServiceView | undefined> =>
    (await consulGet<Record<string, AgentServiceView>>(consul.httpAddr, 'agent/services'))[id];
  const check = async (id: string): Promise<AgentCheck | undefined> =>
    (await agentChecks(consul.httpAddr))[id];
  const tagsAre = (id: string, tags: string[]) => async (): Promise<true | undefined> => {
    const s = await service(id);
    return s !== undefined && JSON.stringify(s.Tags) === JSON.stringify(tags) ? true : undefined;
  };
  /** The check once it has `status` and the output the registration reports with it. */
  const checkIs =
    (id: string, status: 'passing' | 'critical') => async (): Promise<AgentCheck | undefined> => {
      const c = await check(id);
      const output = status === 'passing' ? 'Vault Unsealed' : 'Vault Sealed';
      return c?.Status === status && c.Output === output ? c : undefined;
    };

  it('follows every state change at once: tags, check status and output', async () => {
    const state = new NodeState('uninitialized');
    const reg = new ConsulRegistration({
      client,
      settings: SETTINGS,
      apiAddr: 'http://127.0.0.1:18200',
      state,
      logger: capturingLogger().logger,
      nodeId: 'node-a',
    });
    const { serviceId, checkId } = reg.identity;
    assert.equal(serviceId, 'vault:127.0.0.1:18200');
    assert.equal(checkId, 'vault:127.0.0.1:18200:vault-sealed-check');
    reg.start();
    try {
      await until('first registration', 5000, tagsAre(serviceId, ['blue']));
      const s = await service(serviceId);
      assert.deepEqual(
        { name: s?.Service, address: s?.Address, port: s?.Port, meta: s?.Meta },
        {
          name: 'vault',
          address: '127.0.0.1',
          port: 18200,
          meta: { 'external-source': 'vault', 'tresor-node-id': 'node-a' },
        },
      );
      const c = await until('critical check', 5000, checkIs(checkId, 'critical'));
      assert.equal(c.Name, 'Vault Sealed Status');
      assert.equal(c.Output, 'Vault Sealed');
      assert.equal(c.Type, 'ttl');
      assert.match(c.Notes, /unsealed status/);

      state.transition('sealed');
      await until('initialized tag', 2000, tagsAre(serviceId, ['blue', 'initialized']));
      state.transition('standby');
      await until('standby tag', 2000, tagsAre(serviceId, ['blue', 'standby', 'initialized']));
      assert.equal(
        (await until('passing check', 2000, checkIs(checkId, 'passing'))).Output,
        'Vault Unsealed',
      );

      // The moment the state changes, the tag follows (no wait for a timer).
      const t0 = Date.now();
      state.transition('active');
      await until('active tag', 2000, tagsAre(serviceId, ['blue', 'active', 'initialized']));
      const promoted = Date.now() - t0;
      state.transition('stepping-down');
      const t1 = Date.now();
      await until(
        'standby tag while stepping down',
        2000,
        tagsAre(serviceId, ['blue', 'standby', 'initialized']),
      );
      const demoted = Date.now() - t1;
      console.log(
        `# tag updates reached the agent ${promoted} ms after promotion, ${demoted} ms after stepping down`,
      );
      assert.ok(promoted < 1000 && demoted < 1000, `${promoted} / ${demoted} ms`);

      state.transition('standby');
      state.transition('sealed', 'sealed by operator');
      await until('critical after seal', 2000, checkIs(checkId, 'critical'));
      await until('no role tag while sealed', 2000, tagsAre(serviceId, ['blue', 'initialized']));
    } finally {
      await reg.stop();
    }
    assert.equal(await service(serviceId), undefined, 'stop() deregisters the service');
    assert.equal(await check(checkId), undefined, 'and its check');
  });

  it('keeps the check passing across many TTLs (no flapping)', async () => {
    const state = new NodeState('standby');
    const reg = new ConsulRegistration({
      client,
      settings: { ...SETTINGS, checkTimeout: 1 },
      apiAddr: 'http://127.0.0.1:18201',
      state,
      logger: capturingLogger().logger,
    });
    reg.start();
    try {
      await until('passing', 3000, checkIs(reg.identity.checkId, 'passing'));
      const seen = new Set<string>();
      const end = Date.now() + 4000;
      while (Date.now() < end) {
        seen.add((await check(reg.identity.checkId))?.Status ?? 'missing');
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual([...seen], ['passing'], 'a 1 s TTL refreshed every ~0.5 s never lapses');
    } finally {
      await reg.stop();
    }
  });

  it('registers again when the agent lost the service, and repairs drifted tags', async () => {
    const state = new NodeState('standby');
    const reg = new ConsulRegistration({
      client,
      settings: SETTINGS,
      apiAddr: 'http://127.0.0.1:18202',
      state,
      logger: capturingLogger().logger,
      reconcileIntervalMs: 500,
    });
    const { serviceId, checkId } = reg.identity;
    reg.start();
    try {
      await until('registered', 3000, checkIs(checkId, 'passing'));
      await consulPut(consul.httpAddr, `agent/service/deregister/${encodeURIComponent(serviceId)}`);
      assert.equal(await service(serviceId), undefined);
      await until('registered again', 3000, checkIs(checkId, 'passing'));
      assert.deepEqual((await service(serviceId))?.Tags, ['blue', 'standby', 'initialized']);

      // Someone (or a stale process) rewrites the service with an `active` tag: the reconciler undoes it.
      await consulPut(consul.httpAddr, 'agent/service/register', {
        ID: serviceId,
        Name: 'vault',
        Port: 18202,
        Address: '127.0.0.1',
        Tags: ['active'],
      });
      await until('tags repaired', 3000, tagsAre(serviceId, ['blue', 'standby', 'initialized']));
    } finally {
      await reg.stop();
    }
  });

  it('a node that stops without deregistering goes critical within check_timeout', async () => {
    const state = new NodeState('active');
    const reg = new ConsulRegistration({
      client,
      settings: SETTINGS,
      apiAddr: 'http://127.0.0.1:18203',
      state,
      logger: capturingLogger().logger,
    });
    reg.start();
    await until('passing', 3000, checkIs(reg.identity.checkId, 'passing'));
    await reg.stop({ deregister: false });
    const t0 = Date.now();
    const expired = await until('critical', 4000, async () => {
      const c = await check(reg.identity.checkId);
      return c?.Status === 'critical' ? c : undefined;
    });
    assert.match(expired.Output, /TTL expired/);
    assert.ok(Date.now() - t0 <= 2500, `critical after ${Date.now() - t0} ms with a 2 s TTL`);
    await consulPut(
      consul.httpAddr,
      `agent/service/deregister/${encodeURIComponent(reg.identity.serviceId)}`,
    );
  });

  it('survives an unreachable Consul: logs, retries with backoff, never throws, stops promptly', async () => {
    const dead = new ConsulClient({ address: `127.0.0.1:${await freePort()}` });
    const state = new NodeState('standby');
    const { logger, lines } = capturingLogger();
    const reg = new ConsulRegistration({
      client: dead,
      settings: SETTINGS,
      apiAddr: 'http://127.0.0.1:18204',
      state,
      logger,
    });
    reg.start();
    await new Promise((r) => setTimeout(r, 1200));
    state.transition('active');
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await reg.stop();
    assert.ok(Date.now() - t0 < 3000, `stop took ${Date.now() - t0} ms`);
    dead.close();
    const warns = lines().filter((l) => l.level === 40);
    assert.ok(
      warns.some((l) => l.msg.includes('cannot update the Consul registration')),
      JSON.stringify(warns),
    );
    assert.ok(
      warns.some((l) => l.msg.includes('active node cannot update its Consul registration')),
      'failures while active are logged',
    );
    assert.ok(warns.some((l) => l.msg.includes('could not deregister')));
    const attempts = lines().filter((l) => l.msg.includes('cannot update')).length;
    assert.ok(attempts >= 3 && attempts <= 10, `${attempts} attempts in ~1.5 s: retried with backoff`);
  });
});
