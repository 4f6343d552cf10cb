/**
 * Failover timing (issue 12), every row in one command, on a real Consul and three real tresor
 * processes on distinct loopback addresses (127.0.0.2/3/4):
 *   npx tsx bench/failover.ts [runs] [rows] [--single-agent] [--budget-min=10]
 *     runs  one number for every row, or "default" (kill 30, agent-freeze 10, the others 20)
 *     rows  a comma list of kill,sigstop,stepdown,sigterm,dns,agent-freeze (default: all), each
 *           optionally with its own count: "kill=30,agent-freeze=5"
 *     --single-agent  every node on one Consul dev agent (the earlier topology; no agent-freeze
 *           row) instead of a Consul server with one client agent per node
 *     --budget-min    the whole run stops starting cycles after this long (default 10); the budget
 *           is shared among the rows by their expected cost, what a row leaves goes to the next
 *
 * A sample is the time from the event to the first 2xx kv v2 write: a write is sent every ~20 ms to
 * every node that was not hit (each with a 2 s timeout, not waiting for the earlier ones: a request
 * stuck on a frozen node does not hold the next one back), and the first 2xx
 * wins (a standby either became active or forwards to the new active). After the graceful events
 * (stepdown, sigterm) the old active still serves for a moment, and a standby would forward to it:
 * there the writes ask for no forwarding (X-Vault-No-Request-Forwarding), so only a node that has
 * itself become active acknowledges. The rows:
 *   kill          SIGKILL of the active process; it is restarted and unsealed afterwards
 *   sigstop       SIGSTOP of the active process (a frozen host); SIGCONT once a write succeeded
 *   stepdown      `PUT sys/step-down` on the active node (timed from the request)
 *   sigterm       SIGTERM of the active process (it steps down and exits); restarted and unsealed
 *   dns           SIGKILL of the active; the client resolves active.vault.consul through the
 *                 bundled resolver (dns/main.ts) before every write and writes to that address
 *   agent-freeze  SIGSTOP of the active node's own Consul client agent; SIGCONT after 10 s
 * After the table, where the time went, from the nodes' own log lines (src/core/ha/ha-controller.ts,
 * src/core/core.ts): when a standby saw the active gone, when the new active held the lock, when its
 * promotion ended and how long that took.
 * Before every cycle the cluster is settled: one node active, the others standby
 * (src/cluster/bootstrap.ts waitForRoles), every Consul agent joined and alive, some other node out
 * of its step-down cool-off, and for dns the resolver answering the active node.
 */
import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolverConfig, withOverrides } from '../dns/config.js';
import { startResolver, type RunningResolver } from '../dns/main.js';
import { waitForRoles } from '../src/cluster/bootstrap.js';
import { roleOf } from '../src/cluster/node-api.js';
import { silentLogger } from '../src/helper/logger.js';
import { consulBinary } from '../test/helpers/consul.js';
import { startHaCluster } from '../test/helpers/ha-cluster.js';
import type { HaCluster, HaNode } from '../test/helpers/ha-cluster.js';

const ROWS = ['kill', 'sigstop', 'stepdown', 'sigterm', 'dns', 'agent-freeze'] as const;
type RowKey = (typeof ROWS)[number];

const TITLES: Record<RowKey, string> = {
  kill: 'kill -9 of the active → write through another node',
  sigstop: 'SIGSTOP of the active (frozen host) → write through another node',
  stepdown: 'PUT sys/step-down → write through another node',
  sigterm: 'SIGTERM of the active → write through another node',
  dns: 'kill -9 of the active → write by a client resolving active.vault.consul',
  'agent-freeze': "the active's own Consul agent frozen 10 s → write through another node",
};
const DEFAULT_RUNS: Record<RowKey, number> = {
  kill: 30,
  sigstop: 20,
  stepdown: 20,
  sigterm: 20,
  dns: 20,
  'agent-freeze': 10,
};
/** Rough seconds per cycle (event, recovery, settling), to share the time budget among rows. */
const CYCLE_SECONDS: Record<RowKey, number> = {
  kill: 4,
  sigstop: 3,
  stepdown: 2,
  sigterm: 5,
  dns: 4,
  'agent-freeze': 12,
};

const POLL_MS = 20;
const WRITE_TIMEOUT_MS = 2000;
const MAX_OUTSTANDING = 100;
const AGENT_FREEZE_MS = 10_000;
/** tresor's cool-off after a step-down before a node competes again (src/server/run-server.ts). */
const STEP_DOWN_COOL_OFF_MS = 5000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const fmt = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(0));

interface Plan {
  readonly rows: { key: RowKey; runs: number }[];
  readonly singleAgent: boolean;
  readonly budgetMs: number;
}

function parseArgs(argv: readonly string[]): Plan {
  const flags = argv.filter((a) => a.startsWith('--'));
  const positional = argv.filter((a) => !a.startsWith('--'));
  const runsArg = positional[0] ?? 'default';
  const allRuns = runsArg === 'default' ? undefined : Number(runsArg);
  if (allRuns !== undefined && !(Number.isInteger(allRuns) && allRuns > 0))
    throw new Error(`runs must be a positive integer or "default", not ${runsArg}`);
  const singleAgent = flags.includes('--single-agent');
  const budgetFlag = flags.find((f) => f.startsWith('--budget-min='));
  const budgetMs = Number(budgetFlag?.split('=')[1] ?? '10') * 60_000;
  const unknown = flags.filter((f) => f !== '--single-agent' && f !== budgetFlag);
  if (unknown.length > 0 || !(budgetMs > 0)) throw new Error(`unknown or bad flag: ${unknown.join(' ')}`);
  const wanted = (positional[1] ?? ROWS.join(',')).split(',').filter((r) => r !== '');
  const rows = wanted.map((spec) => {
    const [name = '', count] = spec.split('=');
    const key = ROWS.find((r) => r === name);
    if (key === undefined) throw new Error(`unknown row ${name} (rows: ${ROWS.join(', ')})`);
    const runs = count === undefined ? (allRuns ?? DEFAULT_RUNS[key]) : Number(count);
    if (!(Number.isInteger(runs) && runs > 0)) throw new Error(`bad count in ${spec}`);
    return { key, runs };
  });
  const kept = singleAgent ? rows.filter((r) => r.key !== 'agent-freeze') : rows;
  if (kept.length < rows.length)
    log('--single-agent: no agent-freeze row (there is one agent for all nodes)');
  return { rows: kept, singleAgent, budgetMs };
}

/**
 * POSTs one kv v2 write to `addr`; whether it was acknowledged (2xx). With `direct` a standby
 * answers 307 instead of forwarding (X-Vault-No-Request-Forwarding, never followed), so only a
 * node that is itself active can acknowledge.
 */
async function write(addr: string, token: string, value: string, direct = false): Promise<boolean> {
  try {
    const res = await fetch(`${addr}/v1/secret/data/bench/failover`, {
      method: 'POST',
      headers: {
        'X-Vault-Token': token,
        'Content-Type': 'application/json',
        ...(direct ? { 'X-Vault-No-Request-Forwarding': 'true' } : {}),
      },
      body: JSON.stringify({ data: { v: value } }),
      redirect: 'manual',
      signal: AbortSignal.timeout(WRITE_TIMEOUT_MS),
    });
    await res.arrayBuffer();
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
}

/**
 * Starts an attempt on every lane every POLL_MS (at most MAX_OUTSTANDING outstanding per lane) and
 * resolves with the performance.now() at which the first attempt succeeded.
 */
async function firstAck(
  label: string,
  lanes: readonly ((seq: number) => Promise<boolean>)[],
  timeoutMs = 30_000,
): Promise<number> {
  let done: number | undefined;
  const outstanding = lanes.map(() => 0);
  const inflight: Promise<void>[] = [];
  const deadline = performance.now() + timeoutMs;
  let seq = 0;
  while (done === undefined) {
    if (performance.now() > deadline) {
      await Promise.all(inflight);
      throw new Error(`${label}: no write was acknowledged within ${timeoutMs} ms`);
    }
    lanes.forEach((attempt, i) => {
      if ((outstanding[i] ?? 0) >= MAX_OUTSTANDING) return;
      outstanding[i] = (outstanding[i] ?? 0) + 1;
      inflight.push(
        attempt(seq++)
          .then((ok) => {
            if (ok) done ??= performance.now();
          })
          .finally(() => {
            outstanding[i] = (outstanding[i] ?? 1) - 1;
          }),
      );
    });
    await sleep(POLL_MS);
  }
  await Promise.all(inflight);
  return done;
}

/** Resolves once `child` has exited; SIGKILLs it after `graceMs`. */
function exited(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** What the nodes' own logs say about one failover, in ms after the event (undefined: not logged). */
interface Phases {
  /** A standby saw the active node gone (its follow link closed and its port refused). */
  readonly gone: number | undefined;
  /** The new active holds the lock and starts promoting. */
  readonly held: number | undefined;
  /** Its promotion ended (it serves from here on). */
  readonly promoted: number | undefined;
  /** The promotion's own duration, as the node measured it. */
  readonly promotion: number | undefined;
}
const PHASES = ['gone', 'held', 'promoted', 'promotion'] as const;

/** The first log line of each phase among `nodes`' output after `from` (their offsets and the event's epoch ms). */
function phasesOf(nodes: readonly { node: HaNode; offset: number }[], eventAt: number): Phases {
  let gone: number | undefined;
  let promotedLine: { at: number; node: HaNode; ms: number } | undefined;
  const held = new Map<HaNode, number>();
  for (const { node, offset } of nodes) {
    for (const line of (node.process?.output() ?? '').slice(offset).split('\n')) {
      const json = line.slice(line.indexOf('{'));
      if (!json.startsWith('{')) continue;
      let entry: { time?: string | number; msg?: string; ms?: number };
      try {
        entry = JSON.parse(json) as typeof entry;
      } catch {
        continue;
      }
      const at = (typeof entry.time === 'number' ? entry.time : Date.parse(entry.time ?? '')) - eventAt;
      if (!(at >= 0)) continue;
      if (entry.msg === 'the active node is gone; ending its hold on the HA lock')
        gone = Math.min(gone ?? at, at);
      if (entry.msg === 'holds the HA lock; promoting' && !held.has(node)) held.set(node, at);
      if (entry.msg === 'promoted to active' && (promotedLine === undefined || at < promotedLine.at))
        promotedLine = { at, node, ms: entry.ms ?? NaN };
    }
  }
  return {
    gone,
    held: promotedLine === undefined ? undefined : held.get(promotedLine.node),
    promoted: promotedLine?.at,
    promotion: promotedLine?.ms,
  };
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

const plan = parseArgs(process.argv.slice(2));
const started = Date.now();
const loadAtStart = os.loadavg()[0] ?? NaN;
const c: HaCluster = await startHaCluster(3, '', { distinctIps: true, agentPerNode: !plan.singleAgent });
let resolver: RunningResolver | undefined;
const samples = new Map<RowKey, number[]>();
const phases = new Map<RowKey, Phases[]>();
const failures = new Map<RowKey, string[]>();
const lastStepDown = new Map<HaNode, number>();
let aborted: string | undefined;
const hostOf = (n: HaNode): string => new URL(n.addr).hostname;
const othersThan = (n: HaNode): HaNode[] => c.nodes.filter((m) => m !== n);
const writeLanes = (
  targets: readonly HaNode[],
  label: string,
  direct = false,
): ((seq: number) => Promise<boolean>)[] =>
  targets.map((n) => (seq: number) => write(n.addr, c.rootToken, `${label}-${seq}`, direct));

/** The active node of a settled cluster (see the header), ready for the next cycle. */
async function settled(): Promise<HaNode> {
  await c.topology?.ready(60_000);
  const roles = await waitForRoles(c.nodes, 60_000);
  const active = c.nodes[roles.indexOf('active')]!;
  const ready = Math.min(
    ...othersThan(active).map((n) => (lastStepDown.get(n) ?? 0) + STEP_DOWN_COOL_OFF_MS + 500),
  );
  if (ready > Date.now()) await sleep(ready - Date.now());
  return active;
}

async function restart(node: HaNode): Promise<void> {
  await node.process?.kill();
  await node.start();
}

let dnsClient: Resolver | undefined;
async function resolveActive(): Promise<string | undefined> {
  try {
    return (await dnsClient?.resolve4('active.vault.consul'))?.[0];
  } catch {
    return undefined;
  }
}

/**
 * After an acknowledged write while the old active is frozen (its process or its agent): some
 * other node must say active, or the write was not served elsewhere.
 */
async function servedElsewhere(others: readonly HaNode[], label: string): Promise<void> {
  const roles = await Promise.all(others.map((n) => roleOf(n.addr)));
  if (!roles.includes('active'))
    throw new Error(`${label}: a write was acknowledged, but no other node is active`);
}

/** One cycle of `key` on a settled cluster whose active node is `active`; the sample in ms. */
async function cycle(key: RowKey, active: HaNode, label: string): Promise<number> {
  const others = othersThan(active);
  const child = active.process!.child;
  switch (key) {
    case 'kill': {
      const t0 = performance.now();
      child.kill('SIGKILL');
      try {
        return (await firstAck(label, writeLanes(others, label))) - t0;
      } finally {
        await restart(active);
      }
    }
    case 'sigstop': {
      const t0 = performance.now();
      child.kill('SIGSTOP');
      try {
        const t1 = await firstAck(label, writeLanes(others, label));
        await servedElsewhere(others, label);
        return t1 - t0;
      } finally {
        child.kill('SIGCONT');
      }
    }
    case 'stepdown': {
      const t0 = performance.now();
      lastStepDown.set(active, Date.now());
      const stepped = fetch(`${active.addr}/v1/sys/step-down`, {
        method: 'PUT',
        headers: { 'X-Vault-Token': c.rootToken },
      }).then((r) => r.status);
      const t1 = await firstAck(label, writeLanes(others, label, true));
      const status = await stepped;
      if (status !== 204) throw new Error(`step-down answered ${status}`);
      return t1 - t0;
    }
    case 'sigterm': {
      const t0 = performance.now();
      child.kill('SIGTERM');
      try {
        return (await firstAck(label, writeLanes(others, label, true))) - t0;
      } finally {
        await exited(child, 20_000);
        await active.start();
      }
    }
    case 'dns': {
      // the client's view must start right: the resolver answers the active node
      const deadline = Date.now() + 15_000;
      while ((await resolveActive()) !== hostOf(active)) {
        if (Date.now() > deadline)
          throw new Error(`${label}: active.vault.consul never named ${hostOf(active)}`);
        await sleep(50);
      }
      const byHost = new Map(c.nodes.map((n) => [hostOf(n), n]));
      const lane = async (seq: number): Promise<boolean> => {
        const node = byHost.get((await resolveActive()) ?? '');
        return node !== undefined && write(node.addr, c.rootToken, `${label}-${seq}`);
      };
      const t0 = performance.now();
      child.kill('SIGKILL');
      try {
        return (await firstAck(label, [lane])) - t0;
      } finally {
        await restart(active);
      }
    }
    case 'agent-freeze': {
      const agent = active.consulAgent;
      if (agent === undefined) throw new Error('agent-freeze needs a client agent per node');
      const pid = agent.process.pid;
      const t0 = performance.now();
      process.kill(pid, 'SIGSTOP');
      try {
        const t1 = await firstAck(label, writeLanes(others, label));
        await servedElsewhere(others, label);
        return t1 - t0;
      } finally {
        const left = t0 + AGENT_FREEZE_MS - performance.now();
        if (left > 0) await sleep(left);
        process.kill(pid, 'SIGCONT');
      }
    }
  }
}

try {
  const first = await settled();
  const mount = await c.api(
    first,
    'POST',
    'sys/mounts/secret',
    { type: 'kv', options: { version: '2' } },
    c.rootToken,
  );
  if (mount.status !== 204) throw new Error(`mount failed: ${mount.status}`);
  if (plan.rows.some((r) => r.key === 'dns')) {
    const config = withOverrides(
      resolverConfig({ consul: [{ path: 'tresor/' }], ttl: [{ active: 0 }] }, 'bench', {}),
      { listen: '127.0.0.1:0', http: '127.0.0.1:0', consul: c.consul.httpAddr },
    );
    resolver = await startResolver(config, { logger: silentLogger() });
    dnsClient = new Resolver({ timeout: 500, tries: 1 });
    dnsClient.setServers([`127.0.0.1:${resolver.udpPort}`]);
  }

  const budgetEnd = started + plan.budgetMs;
  for (const [index, row] of plan.rows.entries()) {
    if (aborted !== undefined) break;
    const weight = (r: { key: RowKey; runs: number }): number => r.runs * CYCLE_SECONDS[r.key];
    const rest = plan.rows.slice(index).reduce((sum, r) => sum + weight(r), 0);
    const rowEnd = Date.now() + Math.max(0, budgetEnd - Date.now()) * (weight(row) / rest);
    const got: number[] = [];
    const failed: string[] = [];
    samples.set(row.key, got);
    failures.set(row.key, failed);
    for (let i = 0; i < row.runs && Date.now() < rowEnd; i++) {
      const label = `${row.key}-${i}`;
      let active: HaNode;
      try {
        active = await settled();
      } catch (err) {
        aborted = `before ${label}: ${(err as Error).message}`;
        log(`ABORTED ${aborted}`);
        break;
      }
      const watched = othersThan(active).map((node) => ({
        node,
        offset: node.process?.output().length ?? 0,
      }));
      const eventAt = Date.now();
      try {
        const ms = await cycle(row.key, active, label);
        got.push(ms);
        const seen = phasesOf(watched, eventAt);
        phases.set(row.key, [...(phases.get(row.key) ?? []), seen]);
        const times = PHASES.map((p) => `${p} ${seen[p] === undefined ? '–' : fmt(seen[p])}`).join(', ');
        log(`${row.key} ${i + 1}/${row.runs}: ${ms.toFixed(0)} ms (was active: ${active.name}; ${times})`);
      } catch (err) {
        failed.push((err as Error).message);
        log(`${row.key} ${i + 1}/${row.runs}: FAILED ${(err as Error).message}`);
      }
    }
    if (got.length + failed.length < row.runs)
      log(`${row.key}: time budget reached after ${got.length + failed.length} of ${row.runs} cycles`);
  }
} finally {
  await resolver?.stop();
  await c.stop();
}

const cpus = os.cpus();
const topology = plan.singleAgent
  ? 'one Consul -dev agent for all nodes'
  : 'a Consul -dev server and one client agent per tresor node';
console.log(
  `machine: ${cpus.length} × ${cpus[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${await consulVersion()}, loopback`,
);
console.log(
  `command: npx tsx bench/failover.ts ${process.argv.slice(2).join(' ')}   date: ${new Date().toISOString()}   runtime: ${Math.round((Date.now() - started) / 1000)} s   load average (1 min) at start/end: ${loadAtStart.toFixed(1)}/${(os.loadavg()[0] ?? NaN).toFixed(1)}`,
);
console.log(
  `cluster: 3 tresor processes on 127.0.0.2/3/4, ${topology}, storage "consul" defaults; a sample = from the event to the first 2xx kv v2 write (writes every ${POLL_MS} ms, ${WRITE_TIMEOUT_MS} ms timeout each)`,
);
console.log('');
console.log('| row | event | n | p50 ms | p90 ms | p99 ms | max ms | failed |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
for (const { key } of plan.rows) {
  const s = [...(samples.get(key) ?? [])].sort((a, b) => a - b);
  const failed = failures.get(key) ?? [];
  console.log(
    `| ${key} | ${TITLES[key]} | ${s.length} | ${fmt(percentile(s, 50))} | ${fmt(percentile(s, 90))} | ${fmt(percentile(s, 99))} | ${fmt(s.at(-1) ?? NaN)} | ${failed.length} |`,
  );
}
console.log('');
console.log(
  "Where the time goes, from the nodes' own logs (ms after the event; gone: a standby saw the active gone, held: the new active holds the lock, promoted: its promotion ended, promotion: how long that took; p50 / p90 / max):",
);
console.log('');
console.log(`| row | ${PHASES.join(' | ')} |`);
console.log(`|---|${PHASES.map(() => '---:').join('|')}|`);
for (const { key } of plan.rows) {
  const cells = PHASES.map((phase) => {
    const v = (phases.get(key) ?? [])
      .map((p) => p[phase])
      .filter((x): x is number => x !== undefined && !Number.isNaN(x))
      .sort((a, b) => a - b);
    return v.length === 0
      ? '–'
      : `${fmt(percentile(v, 50))} / ${fmt(percentile(v, 90))} / ${fmt(v.at(-1) ?? NaN)}`;
  });
  console.log(`| ${key} | ${cells.join(' | ')} |`);
}
if (aborted !== undefined) console.log(`\nthe run was aborted ${aborted}`);
for (const { key } of plan.rows)
  for (const message of new Set(failures.get(key) ?? [])) console.log(`\n${key} failure: ${message}`);
