import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import type { ServiceRegistrationConfig } from '../../../src/config/types.js';
import { NodeState, type NodeStateName } from '../../../src/core/node-state.js';
import { silentLogger } from '../../../src/helper/logger.js';
import { ConsulClient, type CallOptions, type CheckStatus } from '../../../consul/client/client.js';
import { ConsulRegistration } from '../../../consul/registration/consul-registration.js';
import {
  startConsulRegistration,
  type RunningRegistration,
} from '../../../consul/registration/start-registration.js';
import { CONSUL_START_TIMEOUT, startConsul, type ConsulAgent } from '../../helpers/consul.js';
import {
  agentChecks,
  catalog,
  health,
  sealedCheckOf,
  tagsOf,
  until,
  type HealthEntry,
} from './consul-view.js';

/** A real client that counts the sealed-check refreshes it sends (to see what a refresh changes). */
class CountingClient extends ConsulClient {
  refreshes = 0;
  override async checkUpdate(id: string, status: CheckStatus, note: string, call?: CallOptions) {
    const known = await super.checkUpdate(id, status, note, call);
    this.refreshes++;
    return known;
  }
}

const SURVIVOR = 'http://127.0.0.1:18410';
const PROBE = 'http://127.0.0.1:18419';

/**
 * A surviving node marks a dead peer's instance down through the catalog (consul/registration/
 * peer-down.ts), on a real Consul agent: the peers register the way a real node does
 * (ConsulRegistration), the survivor through startConsulRegistration's RunningRegistration.
 */
describe('marking a dead peer down in Consul', { timeout: CONSUL_START_TIMEOUT }, () => {
  let consul: ConsulAgent;
  let survivor: RunningRegistration;
  const clients: ConsulClient[] = [];
  const config = (checkTimeout: number): ServiceRegistrationConfig => ({
    type: 'consul',
    source: 'service_registration',
    address: consul.httpAddr,
    scheme: 'http',
    tls: { minVersion: 'tls12', skipVerify: false },
    service: 'vault',
    serviceTags: ['blue'],
    checkTimeout,
    deregisterCriticalServiceAfter: 3600,
  });
  /** A node registering itself the way tresor does, in `state`. */
  const peer = (apiAddr: string, state: NodeStateName, checkTimeout: number) => {
    const client = new CountingClient({ address: consul.httpAddr });
    clients.push(client);
    const nodeState = new NodeState(state);
    const reg = new ConsulRegistration({
      client,
      settings: config(checkTimeout),
      apiAddr,
      state: nodeState,
      logger: silentLogger(),
      nodeId: `node-${new URL(apiAddr).port}`,
    });
    reg.start();
    return { reg, client, state: nodeState, id: reg.identity.serviceId };
  };
  const entry = async (id: string): Promise<HealthEntry | undefined> =>
    (await health(consul.httpAddr, 'vault')).find((e) => e.Service.ID === id);
  const passingIds = async (tag?: string): Promise<string[]> =>
    (await health(consul.httpAddr, 'vault', { passing: true, ...(tag === undefined ? {} : { tag }) })).map(
      (e) => e.Service.ID,
    );
  const statusOf = async (id: string): Promise<string | undefined> => {
    const e = await entry(id);
    return e === undefined ? undefined : sealedCheckOf(e)?.Status;
  };
  /** Waits until the catalog shows `id` passing and active: its agent has sent the registration. */
  const settledActive = (id: string): Promise<true> =>
    until(`${id} passing and active in the catalog`, 5000, async () =>
      (await passingIds('active')).includes(id) ? true : undefined,
    );
  /** A-records of `name` from Consul's own DNS interface; [] for NXDOMAIN/NODATA. */
  const consulDns = async (name: string): Promise<string[]> => {
    const r = new Resolver({ timeout: 2000, tries: 2 });
    r.setServers([`127.0.0.1:${consul.dnsPort}`]);
    try {
      return await r.resolve4(name);
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOTFOUND' || (err as { code?: string }).code === 'ENODATA')
        return [];
      throw err;
    }
  };

  before(
    async () => {
      consul = await startConsul();
      survivor = startConsulRegistration(config(2), {
        apiAddr: SURVIVOR,
        state: new NodeState('standby'),
        logger: silentLogger(),
      });
      // A new agent runs full anti-entropy syncs in the seconds after it elects itself (each
      // trigger is followed within 3 s), then one every ae_interval (1 min) plus up to 1 min; a full
      // sync writes the agent's copy back over a mark. Mark a probe down until a mark outlasts that
      // 3 s chain: the next full sync is then about a minute away, and the tests below see only what
      // tresor does.
      const probe = peer(PROBE, 'active', 60);
      await settledActive(probe.id);
      await until("the agent's start-up syncs to be over", 130_000, async () => {
        if ((await survivor.markPeerDown(PROBE)).outcome === 'already-down') return undefined;
        await new Promise((r) => setTimeout(r, 5000));
        return (await statusOf(probe.id)) === 'critical' ? true : undefined;
      });
      await probe.reg.stop();
    },
    { timeout: CONSUL_START_TIMEOUT },
  );
  after(async () => {
    await survivor.stop();
    for (const c of clients) c.close();
    await consul.stop();
  });

  it('a survivor makes a killed active node critical and not active at once (health, catalog, DNS)', async () => {
    // check_timeout 60 s: the dead node's agent would keep it passing and active for a minute.
    const dead = peer('http://127.0.0.1:18411', 'active', 60);
    await settledActive(dead.id);
    assert.deepEqual(await consulDns('active.vault.service.consul'), ['127.0.0.1']);
    await dead.reg.stop({ deregister: false }); // as if its process had been killed: the agent keeps it

    const result = await survivor.markPeerDown('http://127.0.0.1:18411');
    assert.deepEqual(result, { outcome: 'marked', serviceId: dead.id, markedOn: [consul.nodeName] });

    // Right when the call returns, with no wait: Consul applied the write before answering.
    assert.ok(!(await passingIds()).includes(dead.id), 'gone from ?passing');
    assert.deepEqual(await passingIds('active'), [], 'no passing active instance');
    assert.deepEqual(await consulDns('active.vault.service.consul'), [], 'Consul DNS has no active');
    const e = await entry(dead.id);
    const check = e === undefined ? undefined : sealedCheckOf(e);
    assert.equal(check?.Status, 'critical');
    assert.equal(check.Output, `tresor: the node's process is gone (detected by ${SURVIVOR})`);
    assert.equal(check.Name, 'Vault Sealed Status');
    assert.deepEqual(tagsOf(e!), ['blue', 'initialized'], 'only `active` removed');
    const cat = (await catalog(consul.httpAddr, 'vault')).find((x) => x.ServiceID === dead.id);
    assert.deepEqual([...(cat?.ServiceTags ?? [])].sort(), ['blue', 'initialized']);
    assert.equal(cat?.ServicePort, 18411);
    assert.equal(cat.ServiceAddress, '127.0.0.1');
    assert.deepEqual(cat.ServiceMeta, { 'external-source': 'vault', 'tresor-node-id': 'node-18411' });
    // Only the catalog was written: the dead node's agent still holds its own (passing) copy.
    assert.equal((await agentChecks(consul.httpAddr))[`${dead.id}:vault-sealed-check`]?.Status, 'passing');

    assert.equal((await survivor.markPeerDown('http://127.0.0.1:18411')).outcome, 'already-down');
  });

  it('reports an api_addr with no instance as not-registered, and refuses its own or a bad one', async () => {
    assert.deepEqual(await survivor.markPeerDown('http://127.0.0.1:1'), {
      outcome: 'not-registered',
      serviceId: 'vault:127.0.0.1:1',
      markedOn: [],
    });
    const self = await survivor.markPeerDown(SURVIVOR);
    assert.equal(self.outcome, 'failed');
    assert.match(self.error ?? '', /own instance/);
    assert.equal((await statusOf('vault:127.0.0.1:18410')) ?? 'passing', 'passing');
    const bad = await survivor.markPeerDown('not a url');
    assert.equal(bad.outcome, 'failed');
    assert.match(bad.error ?? '', /not a URL/);
  });

  it('a live node marked down in error is passing again with its next state change', async () => {
    const live = peer('http://127.0.0.1:18412', 'active', 2); // refreshes its check about every second
    await settledActive(live.id);
    assert.equal((await survivor.markPeerDown('http://127.0.0.1:18412')).outcome, 'marked');
    assert.equal(await statusOf(live.id), 'critical');

    // Its TTL refreshes (same status, same output) are no change to its agent, so nothing is re-sent.
    const seen = live.client.refreshes;
    await until('two check refreshes', 5000, () =>
      Promise.resolve(live.client.refreshes >= seen + 2 ? true : undefined),
    );
    const afterRefreshes = await statusOf(live.id);
    console.log(`# marked down in error: after 2 check refreshes the catalog check is ${afterRefreshes}`);

    // A state change re-registers through the agent, which writes its copy back at once.
    const t0 = Date.now();
    live.state.transition('standby');
    await until('passing again as standby', 5000, async () =>
      (await passingIds('standby')).includes(live.id) ? true : undefined,
    );
    console.log(`# marked down in error: passing again ${Date.now() - t0} ms after its next state change`);
    assert.doesNotMatch(sealedCheckOf((await entry(live.id))!)?.Output ?? '', /^tresor:/);
    await live.reg.stop();
  });
});
