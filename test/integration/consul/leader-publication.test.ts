/**
 * The leader a node publishes (NodeState.leader, read by health, sys/leader, forwarding and
 * registration) names the lock holder only once its promotion has finished: the holder takes the
 * lock with a value that advertises nobody and writes its advertisement after promoting, so
 * neither itself, nor the other nodes, nor the resolver (which decodes the same value) name a node
 * that would still answer 503. On a real Consul agent, with two HA controllers on one lock.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HaController } from '../../../src/core/ha/ha-controller.js';
import { NodeState } from '../../../src/core/node-state.js';
import { createLogger } from '../../../src/helper/logger.js';
import type { LeaderAdvertisement } from '../../../src/physical/types.js';
import { CONSUL_START_TIMEOUT, startConsul, type ConsulAgent } from '../../helpers/consul.js';
import { LockTestBed, PATIENCE, advertisement, waitUntil, within } from './lock-helpers.js';

/** Read through a call, so that an assertion does not narrow the getter's type for later reads. */
const leaderOf = (state: NodeState): LeaderAdvertisement | undefined => state.leader;

describe('HA: the published leader', () => {
  let agent: ConsulAgent;
  let bed: LockTestBed;

  before(
    async () => {
      agent = await startConsul();
      bed = new LockTestBed(agent);
    },
    { timeout: CONSUL_START_TIMEOUT },
  );
  after(async () => {
    await bed.reset();
    await agent.stop();
  });

  it(
    'names this node only after promotion, and the other node as soon as it holds the lock',
    { timeout: 4 * PATIENCE },
    async () => {
      const logger = createLogger('silent');
      let finishPromotion: () => void = () => undefined;
      const promoting = new Promise<void>((resolve) => {
        finishPromotion = resolve;
      });
      let promotionStarted = false;
      const a = { state: new NodeState('standby'), adv: advertisement('node-a') };
      const b = { state: new NodeState('standby'), adv: advertisement('node-b') };
      const controllerA = new HaController({
        backend: bed.node(),
        advertisement: a.adv,
        logger,
        stepDownCoolOffMs: 0,
        publishLeader: (leader) => {
          a.state.publishLeader(leader);
        },
        hooks: {
          promote: async () => {
            promotionStarted = true;
            await promoting;
            a.state.transition('active');
          },
          demote: () => {
            a.state.transition('standby');
            return Promise.resolve();
          },
        },
      });
      const controllerB = new HaController({
        backend: bed.node(),
        advertisement: b.adv,
        logger,
        stepDownCoolOffMs: 0,
        publishLeader: (leader) => {
          b.state.publishLeader(leader);
        },
        hooks: {
          promote: () => Promise.reject(new Error('node b must not be promoted in this test')),
          demote: () => Promise.resolve(),
        },
      });
      try {
        controllerA.start();
        await within(
          waitUntil(() => promotionStarted),
          PATIENCE,
          'node a to hold the lock and start promoting',
        );
        // The lock is held by node a's session, but its value advertises nobody yet …
        const raw = (await (await fetch(`http://${agent.httpAddr}/v1/kv/vault/core/lock`)).json()) as {
          Session?: string;
          Value: string;
        }[];
        assert.equal(typeof raw[0]?.Session, 'string');
        assert.deepEqual(JSON.parse(Buffer.from(raw[0]?.Value ?? '', 'base64').toString()), {
          nodeId: 'node-a',
          promoting: true,
        });
        // … so neither node a nor node b names node a while it is still promoting (it would answer 503).
        assert.equal(leaderOf(a.state), undefined);
        assert.equal(leaderOf(b.state), undefined);
        assert.equal(a.state.role, 'standby');
        finishPromotion();
        await within(
          waitUntil(() => a.state.leader?.nodeId === 'node-a'),
          PATIENCE,
          'node a to publish itself',
        );
        assert.equal(a.state.role, 'active');
        assert.deepEqual(a.state.leader, a.adv);
        assert.deepEqual(b.state.leader, a.adv);
        // Stepping down: node a stops naming itself at once.
        const stepped = controllerA.stepDown();
        await within(stepped, PATIENCE, 'the step-down');
        assert.notEqual(leaderOf(a.state)?.nodeId, 'node-a');
      } finally {
        await controllerB.stop();
        await controllerA.stop();
      }
      assert.equal(leaderOf(a.state), undefined, 'a stopped controller publishes no leader');
    },
  );
});
