import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHaCluster } from '../../helpers/ha-cluster.js';
import type { HaCluster } from '../../helpers/ha-cluster.js';
import { CONSUL_START_TIMEOUT } from '../../helpers/consul.js';
import { writeSecret } from '../../helpers/write-load.js';

/**
 * Zero acknowledged writes lost (README.md, "High availability on Consul"): clients write continuously, each write to the
 * next node of the cluster in turn (standbys forward to the active), while the active node is
 * killed with SIGKILL again and again and restarted. Every write that was answered with success
 * must read back afterwards with the value it was acknowledged with.
 */

const CYCLES = 10;
const KEY_WRITERS = 3;
/** Pause between two writes of one writer: enough load to cross every failover, few enough keys to read back quickly. */
const PACE_MS = 15;
const VERSIONED = 'safety/versioned';

interface Ack {
  readonly key: string;
  readonly value: string;
  /** kv v2 version the write was acknowledged as. */
  readonly version: number;
}

interface Tally {
  acknowledged: number;
  /** Answered with a non-2xx status, by status. */
  readonly statuses: Map<number, number>;
  /** No answer: connection refused or reset, or no answer within the timeout. */
  unreachable: number;
}

describe(
  'data safety: no acknowledged write is lost across repeated SIGKILL of the active node',
  { timeout: CONSUL_START_TIMEOUT },
  () => {
    let c: HaCluster;

    before(
      async () => {
        c = await startHaCluster(3);
        const active = await c.active();
        assert.equal(
          (
            await c.api(
              active,
              'POST',
              'sys/mounts/secret',
              { type: 'kv', options: { version: '2' } },
              c.rootToken,
            )
          ).status,
          204,
        );
        // Keep every version of the versioned key, so that each acknowledged version can be read back.
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
      `every acknowledged write reads back after ${CYCLES} SIGKILL/restart cycles of the active node`,
      { timeout: 300_000 },
      async () => {
        const acks: Ack[] = [];
        const tally: Tally = { acknowledged: 0, statuses: new Map(), unreachable: 0 };
        const run = { stop: false };
        /** Records the outcome; after a failure the writer waits a little longer, as a client retrying would. */
        const record = (
          r: Awaited<ReturnType<typeof writeSecret>>,
          key: string,
          value: string,
        ): Promise<void> => {
          let ok = false;
          if (r === undefined) tally.unreachable++;
          else if (r.status === 200 && r.version !== undefined) {
            ok = true;
            tally.acknowledged++;
            acks.push({ key, value, version: r.version });
          } else tally.statuses.set(r.status, (tally.statuses.get(r.status) ?? 0) + 1);
          return new Promise((resolve) => setTimeout(resolve, ok ? PACE_MS : 4 * PACE_MS));
        };

        // Writers of distinct keys, and one writer of successive versions of one key; each sends every
        // write to the next node in turn, whatever its role (a standby forwards it to the active).
        const writers = [
          ...Array.from({ length: KEY_WRITERS }, async (_, w) => {
            for (let seq = 0, turn = w; !run.stop; seq++, turn++) {
              const key = `safety/w${w}/k${seq}`;
              const value = `value-${w}-${seq}`;
              await record(
                await writeSecret(c.nodes[turn % c.nodes.length]!, c.rootToken, key, value),
                key,
                value,
              );
            }
          }),
          (async () => {
            for (let seq = 0; !run.stop; seq++) {
              const value = `version-value-${seq}`;
              await record(
                await writeSecret(c.nodes[seq % c.nodes.length]!, c.rootToken, VERSIONED, value),
                VERSIONED,
                value,
              );
            }
          })(),
        ];

        const failoverMs: number[] = [];
        try {
          for (let cycle = 0; cycle < CYCLES; cycle++) {
            // Let the writers make progress on this configuration before the next kill.
            const target = tally.acknowledged + 20;
            const progressDeadline = Date.now() + 20_000;
            while (tally.acknowledged < target) {
              if (Date.now() > progressDeadline)
                throw new Error(`cycle ${cycle}: writes did not resume (acknowledged ${tally.acknowledged})`);
              await new Promise((r) => setTimeout(r, 20));
            }
            const active = await c.active();
            const killedAt = Date.now();
            await active.process!.kill();
            const next = await c.active(20_000);
            assert.notEqual(next, active, `cycle ${cycle}: another node took over`);
            failoverMs.push(Date.now() - killedAt);
            await active.start();
          }
          const target = tally.acknowledged + 20;
          while (tally.acknowledged < target) await new Promise((r) => setTimeout(r, 20));
        } finally {
          run.stop = true;
          await Promise.all(writers);
        }

        const failed = [...tally.statuses.values()].reduce((a, b) => a + b, 0) + tally.unreachable;
        console.log(
          `# data safety: ${CYCLES} SIGKILL cycles; ${tally.acknowledged} writes acknowledged, ${failed} write attempts failed during failovers ` +
            `(unreachable ${tally.unreachable}${[...tally.statuses].map(([s, n]) => `, HTTP ${s}×${n}`).join('')}); ` +
            `health-visible failover after kill: ${failoverMs.join(', ')} ms`,
        );
        assert.ok(tally.acknowledged >= CYCLES * 20);

        // Every acknowledged write reads back with its value, through the active node.
        const active = await c.active();
        const lost: string[] = [];
        const queue = acks.filter((a) => a.key !== VERSIONED);
        const readers = Array.from({ length: 8 }, async () => {
          for (let a = queue.pop(); a !== undefined; a = queue.pop()) {
            const r = await c.api(active, 'GET', `secret/data/${a.key}`, undefined, c.rootToken);
            const got = ((r.body.data as { data?: { v?: unknown } } | undefined)?.data?.v ??
              `HTTP ${r.status}`) as string;
            if (got !== a.value) lost.push(`${a.key}: acknowledged ${a.value}, read ${got}`);
          }
        });
        await Promise.all(readers);

        // Successive versions of one key: each acknowledged version number is unique and holds the
        // value it was acknowledged with.
        const versions = acks.filter((a) => a.key === VERSIONED);
        assert.ok(versions.length > 0);
        const seen = new Map<number, string>();
        for (const v of versions) {
          const dup = seen.get(v.version);
          if (dup !== undefined)
            lost.push(`${VERSIONED}: version ${v.version} acknowledged twice (${dup}, ${v.value})`);
          seen.set(v.version, v.value);
          const r = await c.api(
            active,
            'GET',
            `secret/data/${VERSIONED}?version=${v.version}`,
            undefined,
            c.rootToken,
          );
          const got = ((r.body.data as { data?: { v?: unknown } } | undefined)?.data?.v ??
            `HTTP ${r.status}`) as string;
          if (got !== v.value) lost.push(`${VERSIONED}@${v.version}: acknowledged ${v.value}, read ${got}`);
        }
        assert.deepEqual(lost.slice(0, 50), [], `${lost.length} acknowledged writes did not read back`);

        // A standby answers the same (it forwards the read).
        const standby = c.nodes.find((n) => n !== active)!;
        const sample = acks[acks.length >> 1]!;
        const viaStandby = await c.api(
          standby,
          'GET',
          `secret/data/${sample.key}${sample.key === VERSIONED ? `?version=${sample.version}` : ''}`,
          undefined,
          c.rootToken,
        );
        assert.equal((viaStandby.body.data as { data?: { v?: unknown } } | undefined)?.data?.v, sample.value);
      },
    );
  },
);
