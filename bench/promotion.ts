/**
 * Becoming active with many leases, and the memory of a node that holds many tokens: two tresor
 * nodes on a one-server durable Consul (`-server -bootstrap-expect=1`); the active one creates
 * `count` tokens with `ttl` (each a token and a lease), then steps down, and the standby's way to
 * active duty is timed: from the step-down request to sys/health 200, and to the first token
 * lookup it answers. Memory is the active node's resident set (VmRSS) before and after.
 *   npx tsx bench/promotion.ts [count] [ttl]      (defaults 100000 768h)
 * A ttl within 10 minutes puts every lease in the window the expiration manager keeps in memory:
 * the worst case for promotion. Prints a Markdown table; bench/RESULTS.md records runs.
 */
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapCluster, waitForRoles } from '../src/cluster/bootstrap.js';
import { callNode, roleOf } from '../src/cluster/node-api.js';
import { nodeConfig, startTresorServer } from '../src/cluster/tresor-node.js';
import type { ManagedProcess } from '../src/cluster/managed-process.js';
import { forEachLimit } from '../src/helper/for-each-limit.js';
import { LOOPBACK, freeBasePort } from '../src/helper/ports.js';
import { relay, startDurableConsul } from './peers.js';

const count = Number(process.argv[2] ?? '100000');
const ttl = process.argv[3] ?? '768h';
/** "leases due soon loaded" log lines per node: the background load's size and duration. */
const loads = new Map<string, { leases: number; ms: number }[]>();
function watchLoads(name: string) {
  return (line: string): void => {
    relay(line);
    const json = line.slice(line.indexOf('{'));
    if (!json.includes('leases due soon loaded')) return;
    const { leases, ms } = JSON.parse(json) as { leases: number; ms: number };
    loads.set(name, [...(loads.get(name) ?? []), { leases, ms }]);
  };
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 'NaN');
  return Math.round(kib / 1024);
}

const dir = await mkdtemp(join(tmpdir(), 'tresor-bench-promotion-'));
const bases = [await freeBasePort([0, 1]), await freeBasePort([0, 1])];
const agent = await startDurableConsul(
  dir,
  bases.flatMap((b) => [b, b + 1]),
);
const nodes: { name: string; addr: string; proc: ManagedProcess }[] = [];
try {
  for (const [i, port] of bases.entries()) {
    const name = `node${i}`;
    const addr = `http://${LOOPBACK}:${port}`;
    const config = join(dir, `${name}.hcl`);
    await writeFile(
      config,
      nodeConfig({ name, port, addr }, { consulHttpAddr: agent.httpAddr, storagePath: 'tresor/' }),
    );
    const proc = await startTresorServer({
      name,
      invocation: { command: process.execPath, args: ['--import', 'tsx', 'src/main.ts'] },
      args: [`-config=${config}`, '-log-level=info'],
      readyUrl: `${addr}/v1/sys/health`,
      env: process.env,
      relay: watchLoads(name),
    });
    nodes.push({ name, addr, proc });
  }
  const init = await bootstrapCluster(nodes, { shares: 1, threshold: 1 });
  const roles = await waitForRoles(nodes);
  const active = nodes[roles.indexOf('active')];
  const standby = nodes[roles.indexOf('standby')];
  if (active === undefined || standby === undefined) throw new Error('no active/standby pair');
  const rssBefore = await rssMiB(active.proc.pid);

  const started = Date.now();
  let sample = '';
  const indices = Array.from({ length: count }, (_, i) => i);
  await forEachLimit(indices, 32, async () => {
    const r = await callNode(active.addr, 'POST', 'auth/token/create', {
      token: init.rootToken,
      body: { policies: ['default'], ttl },
    });
    if (r.status !== 200) throw new Error(`token create answered ${r.status}`);
    sample = (r.body.auth as { client_token: string }).client_token;
  });
  const createSeconds = (Date.now() - started) / 1000;
  const rssAfter = await rssMiB(active.proc.pid);

  const loadsBefore = loads.get(standby.name)?.length ?? 0;
  const stepped = Date.now();
  const down = await callNode(active.addr, 'PUT', 'sys/step-down', { token: init.rootToken });
  if (down.status !== 204) throw new Error(`step-down answered ${down.status}`);
  while ((await roleOf(standby.addr, 2000)) !== 'active') await new Promise((r) => setTimeout(r, 5));
  const toActive = Date.now() - stepped;
  for (;;) {
    const r = await callNode(standby.addr, 'GET', 'auth/token/lookup-self', { token: sample });
    if (r.status === 200) break;
    await new Promise((res) => setTimeout(res, 5));
  }
  const toLookup = Date.now() - stepped;
  while ((loads.get(standby.name)?.length ?? 0) === loadsBefore && Date.now() - stepped < 600_000)
    await new Promise((r) => setTimeout(r, 50));
  const load = loads.get(standby.name)?.at(-1);
  const rssNew = await rssMiB(standby.proc.pid);

  const cpu = os.cpus();
  console.log(`machine: ${cpu.length} × ${cpu[0]?.model ?? '?'}, node ${process.version}`);
  console.log(`command: npx tsx bench/promotion.ts ${count} ${ttl}   date: ${new Date().toISOString()}`);
  console.log('');
  console.log('| measure | value |');
  console.log('|---|---:|');
  console.log(`| tokens (and leases) created | ${count} |`);
  console.log(`| creation rate, 32 clients | ${Math.round(count / createSeconds)} /s |`);
  console.log(`| active node RSS before → after | ${rssBefore} → ${rssAfter} MiB |`);
  console.log(`| step-down → other node sys/health 200 | ${toActive} ms |`);
  console.log(`| step-down → first token lookup answered there | ${toLookup} ms |`);
  console.log(
    `| background load of the leases due soon there | ${load === undefined ? '?' : `${load.leases} leases in ${load.ms} ms`} |`,
  );
  console.log(`| new active node RSS once loaded | ${rssNew} MiB |`);
} finally {
  for (const n of nodes) await n.proc.stop('SIGTERM', 10_000);
  await agent.process.stop('SIGTERM', 10_000);
  await rm(dir, { recursive: true, force: true });
}
