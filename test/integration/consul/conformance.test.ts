import { after, before, describe } from 'node:test';
import { maxValueBytes } from '../../../consul/client/limits.js';
import { ConsulBackend } from '../../../consul/storage/backend.js';
import { consulStorageConfig } from '../../../src/config/load.js';
import { CONSUL_START_TIMEOUT, startConsul, type ConsulAgent } from '../../helpers/consul.js';
import { physicalBackendConformance } from '../../helpers/physical-conformance.js';

/** The PhysicalBackend conformance suite (as for inmem and file) on a real Consul agent. */
describe('storage "consul" on a real Consul agent', { timeout: CONSUL_START_TIMEOUT }, () => {
  let agent: ConsulAgent;
  let opened = 0;

  before(
    async () => {
      agent = await startConsul();
    },
    { timeout: CONSUL_START_TIMEOUT },
  );

  after(async () => {
    await agent.stop();
  });

  // Each test gets its own, empty KV prefix.
  physicalBackendConformance('consul', {
    open: () =>
      new ConsulBackend(
        consulStorageConfig({ address: agent.httpAddr, path: `conformance-${++opened}/`, check_ttl: '1s' }),
      ),
    largeValueBytes: maxValueBytes(),
    controlCharacterKeys: 'refused',
  });
});
