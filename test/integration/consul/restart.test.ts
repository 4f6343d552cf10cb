import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConsulBackend } from '../../../consul/storage/backend.js';
import type { LeaderAdvertisement } from '../../../src/physical/types.js';
import { CONSUL_START_TIMEOUT, startConsul, type ConsulAgent } from '../../helpers/consul.js';
import { consulStorageConfig } from '../../../src/config/load.js';

const TEST_TIMEOUT = 120_000;

const LOCK = 'core/lock';
const PATIENCE = 60_000;

function advertisement(nodeId: string): LeaderAdvertisement {
  return { nodeId, apiAddr: `http://${nodeId}.test:8200`, clusterAddr: `https://${nodeId}.test:8201` };
}

async function eventually(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + PATIENCE;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('Consul restarting under a lock holder and a leader watch', () => {
  let agent: ConsulAgent;

  before(
    async () => {
      agent = await startConsul();
    },
    { timeout: CONSUL_START_TIMEOUT },
  );

  after(async () => {
    await agent.stop();
  });

  it(
    'demotes the holder, and the watch follows the new state once Consul is back',
    { timeout: TEST_TIMEOUT },
    async () => {
      const options = {
        address: agent.httpAddr,
        path: 'vault/',
        check_ttl: '1s',
        lock_delay: '250ms',
        lock_wait_time: '5s',
      };
      const a = new ConsulBackend(consulStorageConfig(options));
      const b = new ConsulBackend(consulStorageConfig(options));
      const watcher = new ConsulBackend(consulStorageConfig(options));
      const seen: (string | undefined)[] = [];
      const stopWatch = watcher.watchLeader(LOCK, (leader) => seen.push(leader?.nodeId));
      const cancel = new AbortController();
      try {
        const lockA = a.lock(LOCK, advertisement('node-a'));
        const lostA = await lockA.acquire(cancel.signal);
        await eventually(() => seen.at(-1) === 'node-a', 'the watch to see node a');

        // A dev agent restarts empty: node a can no longer pass its check nor renew its session.
        await agent.restart();
        await eventually(() => lostA.aborted, 'node a to demote itself');
        assert.ok(lostA.reason instanceof Error);
        await assert.rejects(
          a.put({ key: 'after-restart', value: Buffer.from('x') }),
          /no longer holds the HA lock/,
        );
        await eventually(() => seen.at(-1) === undefined, 'the watch to see no leader on the fresh agent');

        // The watch keeps working against the restarted agent.
        const lostB = await b.lock(LOCK, advertisement('node-b')).acquire(cancel.signal);
        await eventually(() => seen.at(-1) === 'node-b', 'the watch to see node b');
        assert.equal(lostB.aborted, false);
        assert.deepEqual(await a.leader(LOCK), advertisement('node-b'));

        // Once deposed, the backend keeps refusing writes (a tombstone fence) until it holds a lock again.
        await lockA.release();
        await assert.rejects(
          a.put({ key: 'standby-write', value: Buffer.from('x') }),
          /no longer holds the HA lock/,
        );
        assert.equal(await b.get('standby-write'), undefined);
      } finally {
        cancel.abort();
        stopWatch();
        await Promise.all([a.close(), b.close(), watcher.close()]);
      }
    },
  );
});
