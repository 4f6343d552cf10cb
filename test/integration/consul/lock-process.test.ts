import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';

import { CONSUL_START_TIMEOUT, startConsul, type ConsulAgent } from '../../helpers/consul.js';
import {
  LOCK,
  LockTestBed,
  PATIENCE,
  advertisement,
  spawnHolder,
  waitUntil,
  within,
} from './lock-helpers.js';

const TEST_TIMEOUT = 120_000;

describe('HA lock on a real Consul agent: holders in other processes, killed or paused', () => {
  let agent: ConsulAgent;
  let bed: LockTestBed;

  before(
    async () => {
      agent = await startConsul();
      bed = new LockTestBed(agent);
    },
    { timeout: CONSUL_START_TIMEOUT },
  );

  afterEach(async () => {
    await bed.reset();
  });

  after(async () => {
    await agent.stop();
  });

  it(
    'hands the lock over when the holder process is killed (its check stops passing)',
    { timeout: TEST_TIMEOUT },
    async () => {
      const holder = spawnHolder(agent, 'node-killed');
      try {
        const held = await within(holder.held, PATIENCE, 'the child process to hold the lock');
        assert.equal(await bed.holderSession(), held);
        const b = bed.node();
        const acquiredB = bed.acquire(b.lock(LOCK, advertisement('node-b')));
        holder.child.kill('SIGKILL');
        await within(acquiredB, PATIENCE, 'node b to acquire after the holder was killed');
        const now = await bed.holderSession();
        assert.ok(now !== undefined && now !== held);
        assert.deepEqual(await b.leader(LOCK), advertisement('node-b'));
      } finally {
        holder.child.kill('SIGKILL');
      }
    },
  );

  it(
    'refuses, in Consul, the writes of a holder that was paused while another node took over',
    { timeout: TEST_TIMEOUT },
    async () => {
      const holder = spawnHolder(agent, 'node-paused', 'write');
      try {
        await within(holder.held, PATIENCE, 'the child process to hold the lock');
        await within(
          waitUntil(() => holder.lines.some((l) => l.startsWith('ack '))),
          PATIENCE,
          'the child to write',
        );
        // A stopped process cannot pass its check: Consul invalidates its session and node b takes over.
        holder.child.kill('SIGSTOP');
        const b = bed.node();
        await within(
          bed.acquire(b.lock(LOCK, advertisement('node-b'))),
          PATIENCE,
          'node b to acquire from the paused holder',
        );
        await b.put({ key: 'deposed/by-b', value: Buffer.from('b') });
        // The holder wakes up still believing it is active, with a write already due.
        const before = holder.lines.length;
        holder.child.kill('SIGCONT');
        await within(
          waitUntil(() => holder.lines.some((l) => l.startsWith('lost '))),
          PATIENCE,
          'the holder to notice its loss',
        );
        await within(
          waitUntil(() => holder.lines.slice(before).some((l) => l.startsWith('refused '))),
          PATIENCE,
          'a refused write',
        );
        holder.child.kill('SIGKILL');

        const afterWake = holder.lines.slice(before);
        assert.ok(
          afterWake.some((l) => l.startsWith('refused ') && l.includes('failed session check')),
          `the first write after waking must reach Consul and fail its session check:\n${afterWake.join('\n')}`,
        );
        assert.ok(
          !afterWake.some((l) => l.startsWith('ack ')),
          'no write of the deposed holder is acknowledged',
        );
        for (const line of holder.lines) {
          const [verdict, n] = line.split(' ');
          if (verdict === 'ack')
            assert.ok(
              (await b.get(`deposed/${n ?? ''}`)) !== undefined,
              `acknowledged deposed/${n ?? ''} is stored`,
            );
          if (verdict === 'refused')
            assert.equal(
              await b.get(`deposed/${n ?? ''}`),
              undefined,
              `refused deposed/${n ?? ''} must not land`,
            );
        }
        assert.deepEqual((await b.get('deposed/by-b'))?.value, Buffer.from('b'));
      } finally {
        holder.child.kill('SIGKILL');
      }
    },
  );
});
