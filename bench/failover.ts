/**
 * Failover timing on a real Consul agent with three real tresor processes (budget:
 * a standby serves writes within 3 s of a hard kill of the active, within 0.5 s of a step-down).
 *   npx tsx bench/failover.ts [kill cycles] [step-downs]
 * For each kill cycle: SIGKILL the active node, then send a kv write to every other node every
 * ~20 ms until one answers 2xx (a standby either became active or forwards to the new active);
 * the time from the kill to that answer is one sample. The killed node is restarted and unsealed
 * before the next cycle. Step-downs are timed the same way from the moment `PUT sys/step-down`
 * is sent. Prints a Markdown table; bench/RESULTS.md records runs with the machine and the date.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { waitForRoles } from '../src/cluster/bootstrap.js';
import { consulBinary } from '../test/helpers/consul.js';
import { startHaCluster } from '../test/helpers/ha-cluster.js';
import type { HaCluster, HaNode } from '../test/helpers/ha-cluster.js';

const killCycles = Number(process.argv[2] ?? '20');
const stepDowns = Number(process.argv[3] ?? '20');
/** The whole run stops (with what it has) after this long. */
const BUDGET_MS = 9 * 60_000;
const POLL_MS = 20;
/** tresor's cool-off after a step-down before a node competes again (src/server/run-server.ts). */
const STEP_DOWN_COOL_OFF_MS = 5000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The active node, once one is active and every other one a standby (src/cluster/bootstrap.ts). */
async function settled(c: HaCluster): Promise<HaNode> {
  const roles = await waitForRoles(c.nodes);
  return c.nodes[roles.indexOf('active')]!;
}

/**
 * Sends a write to each of `targets` every POLL_MS (at most a few outstanding per node) and
 * resolves with the performance.now() at which the first 2xx answer arrived.
 */
async function firstWrite(
  c: HaCluster,
  targets: HaNode[],
  label: string,
  timeoutMs = 30_000,
): Promise<number> {
  let done: number | undefined;
  const outstanding = new Map<HaNode, number>();
  const deadline = performance.now() + timeoutMs;
  let seq = 0;
  const inflight: Promise<void>[] = [];
  while (done === undefined) {
    if (performance.now() > deadline)
      throw new Error(`${label}: no node served a write within ${timeoutMs} ms`);
    for (const n of targets) {
      if ((outstanding.get(n) ?? 0) >= 4) continue;
      outstanding.set(n, (outstanding.get(n) ?? 0) + 1);
      const body = JSON.stringify({ data: { v: `${label}-${seq++}` } });
      inflight.push(
        fetch(`${n.addr}/v1/secret/data/bench/failover`, {
          method: 'POST',
          headers: { 'X-Vault-Token': c.rootToken },
          body,
          signal: AbortSignal.timeout(2000),
        })
          .then(async (res) => {
            await res.arrayBuffer();
            if (res.status >= 200 && res.status < 300) done ??= performance.now();
          })
          .catch(() => undefined)
          .finally(() => {
            outstanding.set(n, (outstanding.get(n) ?? 1) - 1);
          }),
      );
    }
    await sleep(POLL_MS);
  }
  await Promise.all(inflight);
  return done;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function consulVersion(): Promise<string> {
  return consulBinary().then(
    (bin) =>
      new Promise((resolve) => {
        execFile(bin, ['version'], (err, stdout) => {
          resolve(err === null ? (stdout.split('\n')[0] ?? '').trim() : 'consul ?');
        });
      }),
  );
}

const started = Date.now();
const loadAtStart = os.loadavg()[0] ?? NaN;
const c = await startHaCluster(3);
const killSamples: number[] = [];
const stepSamples: number[] = [];
try {
  const first = await settled(c);
  const mount = await c.api(
    first,
    'POST',
    'sys/mounts/secret',
    { type: 'kv', options: { version: '2' } },
    c.rootToken,
  );
  if (mount.status !== 204) throw new Error(`mount failed: ${mount.status}`);

  for (let i = 0; i < killCycles && Date.now() - started < BUDGET_MS; i++) {
    const active = await settled(c);
    const others = c.nodes.filter((n) => n !== active);
    const t0 = performance.now();
    active.process!.child.kill('SIGKILL');
    const t1 = await firstWrite(c, others, `kill-${i}`);
    killSamples.push(t1 - t0);
    process.stderr.write(`kill ${i + 1}/${killCycles}: ${(t1 - t0).toFixed(0)} ms\n`);
    await active.process!.kill();
    await active.start();
  }

  const lastStepDown = new Map<HaNode, number>();
  for (let i = 0; i < stepDowns && Date.now() - started < BUDGET_MS; i++) {
    const active = await settled(c);
    const others = c.nodes.filter((n) => n !== active);
    // Some other node must be out of its cool-off and competing for the lock.
    const ready = Math.min(...others.map((n) => (lastStepDown.get(n) ?? 0) + STEP_DOWN_COOL_OFF_MS + 500));
    if (ready > Date.now()) await sleep(ready - Date.now());
    const t0 = performance.now();
    lastStepDown.set(active, Date.now());
    const stepped = fetch(`${active.addr}/v1/sys/step-down`, {
      method: 'PUT',
      headers: { 'X-Vault-Token': c.rootToken },
    }).then((r) => r.status);
    const t1 = await firstWrite(c, others, `step-down-${i}`);
    const status = await stepped;
    if (status !== 204) throw new Error(`step-down answered ${status}`);
    stepSamples.push(t1 - t0);
    process.stderr.write(`step-down ${i + 1}/${stepDowns}: ${(t1 - t0).toFixed(0)} ms\n`);
  }
} finally {
  await c.stop();
}

const cpus = os.cpus();
const row = (name: string, samples: number[], budgetMs: number): string => {
  const s = [...samples].sort((a, b) => a - b);
  const p99 = percentile(s, 99);
  const fmt = (x: number): string => x.toFixed(0);
  return `| ${name} | ${s.length} | ${fmt(percentile(s, 50))} | ${fmt(percentile(s, 90))} | ${fmt(p99)} | ${fmt(s.at(-1) ?? NaN)} | ${budgetMs} | ${p99 <= budgetMs ? 'yes' : '**no**'} |`;
};
console.log(
  `machine: ${cpus.length} × ${cpus[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${await consulVersion()} (-dev agent, loopback)`,
);
console.log(
  `command: npx tsx bench/failover.ts ${killCycles} ${stepDowns}   date: ${new Date().toISOString()}   runtime: ${Math.round((Date.now() - started) / 1000)} s   load average (1 min) at start/end: ${loadAtStart.toFixed(1)}/${(os.loadavg()[0] ?? NaN).toFixed(1)}`,
);
console.log(
  'cluster: 3 tresor processes, storage "consul" defaults (check_ttl 1.5 s, lock_delay 250 ms); a sample = from SIGKILL / step-down request to the first 2xx kv v2 write on another node (writes every 20 ms)',
);
console.log('');
console.log('| event | runs | p50 ms | p90 ms | p99 ms | max ms | budget ms | p99 within budget |');
console.log('|---|---:|---:|---:|---:|---:|---:|---|');
console.log(row('SIGKILL of the active → a standby serves a write', killSamples, 3000));
console.log(row('PUT sys/step-down → another node serves a write', stepSamples, 500));
