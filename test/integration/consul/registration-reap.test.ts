import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeState } from '../../../src/core/node-state.js';
import { silentLogger } from '../../../src/helper/logger.js';
import { ConsulClient } from '../../../consul/client/client.js';
import { ConsulRegistration } from '../../../consul/registration/consul-registration.js';
import { CONSUL_START_TIMEOUT, startConsul, type ConsulAgent } from '../../helpers/consul.js';
import { catalog, until } from '../registration/consul-view.js';

/**
 * vault#6065: crashed nodes were never removed. tresor registers its check with
 * deregister_critical_service_after, so Consul reaps a node that died without deregistering. Consul
 * enforces at least 1 minute and reaps every 30 s, so this test takes about 1.5 minutes.
 */
describe(
  'Consul reaps the instance of a node that died without deregistering',
  { timeout: CONSUL_START_TIMEOUT },
  () => {
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

    it(
      'removes the service once its check stayed critical for deregister_critical_service_after',
      { timeout: 240_000 },
      async () => {
        const reg = new ConsulRegistration({
          client,
          settings: {
            service: 'vault',
            serviceTags: [],
            checkTimeout: 1,
            deregisterCriticalServiceAfter: 60,
          },
          apiAddr: 'http://127.0.0.1:18300',
          state: new NodeState('active'),
          logger: silentLogger(),
        });
        reg.start();
        await until('registered', 5000, async () =>
          (await catalog(consul.httpAddr, 'vault')).length === 1 ? true : undefined,
        );
        await reg.stop({ deregister: false }); // as if the process had been killed
        const t0 = Date.now();
        await until('reaped', 150_000, async () =>
          (await catalog(consul.httpAddr, 'vault')).length === 0 ? true : undefined,
        );
        const s = Math.round((Date.now() - t0) / 1000);
        console.log(`# the dead instance was reaped ${s} s after its last check refresh`);
        assert.ok(s >= 55, `not before deregister_critical_service_after (${s} s)`);
      },
    );
  },
);
