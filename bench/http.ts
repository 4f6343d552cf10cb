/**
 * HTTP benchmarks with autocannon: sys/health (the HTTP floor of the process) and KV v2 reads and
 * writes through the whole pipeline (token lookup, ACL, barrier), on inmem and file storage.
 *   npx tsx bench/http.ts [seconds] [connections]
 * Prints a Markdown table; bench/RESULTS.md records runs with the machine and the date.
 */
import os from 'node:os';
import type autocannon from 'autocannon';
import { runAutocannon } from './autocannon.js';
import { bootstrapCluster, mountSecretKv } from '../src/cluster/bootstrap.js';
import { spawnManaged } from '../src/cluster/managed-process.js';
import { freePort } from '../src/helper/ports.js';

const seconds = Number(process.argv[2] ?? '10');
const connections = Number(process.argv[3] ?? '16');

interface Row {
  storage: string;
  target: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`${url}/v1/sys/health?uninitcode=200&sealedcode=200`);
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not come up');
}

/** Initialises and unseals the file-storage server, mounts kv v2 at secret/; returns the root token. */
async function setupFile(url: string): Promise<string> {
  const init = await bootstrapCluster([{ name: 'file', addr: url }], { shares: 1, threshold: 1 });
  await mountSecretKv({ name: 'file', addr: url }, init.rootToken);
  return init.rootToken;
}

async function bench(storage: 'inmem' | 'file'): Promise<Row[]> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = await spawnManaged(
    storage,
    process.execPath,
    ['--import', 'tsx', 'bench/serve.ts', storage, String(port), 'bench-root'],
    { env: process.env, relay: (line) => void process.stderr.write(`${line}\n`) },
  );
  try {
    await waitReady(url);
    const token = storage === 'file' ? await setupFile(url) : 'bench-root';
    const headers = { 'X-Vault-Token': token };
    await fetch(`${url}/v1/secret/data/bench/read`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ data: { password: 'p'.repeat(64) } }),
    });
    const targets: [string, autocannon.Options][] = [
      ['sys/health', { url: `${url}/v1/sys/health`, method: 'GET' }],
      ['kv v2 read', { url: `${url}/v1/secret/data/bench/read`, method: 'GET', headers }],
      [
        'kv v2 write',
        {
          url: `${url}/v1/secret/data/bench/write`,
          method: 'POST',
          headers,
          body: JSON.stringify({ data: { password: 'p'.repeat(64) } }),
        },
      ],
    ];
    const rows: Row[] = [];
    for (const [target, opts] of targets) {
      const r = await runAutocannon({ ...opts, connections, duration: seconds });
      rows.push({
        storage,
        target,
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        errors: r.errors + r.non2xx,
      });
    }
    return rows;
  } finally {
    await child.stop('SIGTERM', 10_000);
  }
}

const rows = [...(await bench('inmem')), ...(await bench('file'))];
console.log(
  `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
);
console.log(`command: npx tsx bench/http.ts ${seconds} ${connections}   date: ${new Date().toISOString()}`);
console.log('');
console.log('| storage | target | req/s | p50 ms | p99 ms | errors |');
console.log('|---|---|---:|---:|---:|---:|');
for (const r of rows)
  console.log(`| ${r.storage} | ${r.target} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.errors} |`);
for (const s of ['inmem', 'file']) {
  const health = rows.find((r) => r.storage === s && r.target === 'sys/health')?.rps ?? 0;
  const read = rows.find((r) => r.storage === s && r.target === 'kv v2 read')?.rps ?? 0;
  console.log(`${s}: kv v2 read = ${((100 * read) / health).toFixed(1)}% of sys/health`);
}
