/**
 * What an audit device costs: kv v2 reads and writes on one tresor process (file storage), with no
 * audit device and with one `file` device, alternated twice in the same run (none, file, none,
 * file) so that drift of the machine shows. Each row is autocannon for `seconds` with
 * `connections` connections (bench/kv-rows.ts).
 *   npx tsx bench/audit.ts [seconds] [connections]
 * Prints a Markdown table; bench/RESULTS.md records runs.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure, type Measured } from './kv-rows.js';
import { startTresor } from './peers.js';

const seconds = Number(process.argv[2] ?? '8');
const connections = Number(process.argv[3] ?? '16');
const ROWS = ['read', 'write'];

const dir = await mkdtemp(join(tmpdir(), 'tresor-bench-audit-'));
const server = await startTresor('file');
const file = join(dir, 'audit.log');
const sys = async (method: string, path: string, body?: unknown): Promise<void> => {
  const res = await fetch(`${server.addr}/v1/sys/${path}`, {
    method,
    headers: { 'X-Vault-Token': server.rootToken, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await res.arrayBuffer();
  if (res.status !== 204) throw new Error(`${method} sys/${path} answered ${res.status}`);
};
const runs: { audit: 'none' | 'file'; rows: Map<string, Measured> }[] = [];
const started = Date.now();
try {
  for (const audit of ['none', 'file', 'none', 'file'] as const) {
    if (audit === 'file') await sys('PUT', 'audit/bench', { type: 'file', options: { file_path: file } });
    runs.push({ audit, rows: await measure(server, ROWS, seconds, connections) });
    if (audit === 'file') await sys('DELETE', 'audit/bench');
  }
} finally {
  await server.stop();
}
const logBytes = (await stat(file)).size;
await rm(dir, { recursive: true, force: true });

const cpu = os.cpus();
console.log(
  `machine: ${cpu.length} × ${cpu[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
);
console.log(
  `command: npx tsx bench/audit.ts ${process.argv.slice(2).join(' ')}   date: ${new Date().toISOString()}   runtime: ${Math.round((Date.now() - started) / 1000)} s   audit log written: ${Math.round(logBytes / 2 ** 20)} MiB`,
);
console.log('');
console.log('| row | audit | run | req/s | p50 ms | p99 ms | errors |');
console.log('|---|---|---:|---:|---:|---:|---:|');
runs.forEach((run, i) => {
  for (const row of ROWS) {
    const m = run.rows.get(row);
    if (m !== undefined)
      console.log(
        `| kv v2 ${row} | ${run.audit} | ${i + 1} | ${Math.round(m.rps)} | ${m.p50} | ${m.p99} | ${m.errors} |`,
      );
  }
});
console.log('');
for (const row of ROWS) {
  const mean = (audit: string): number => {
    const rates = runs.filter((r) => r.audit === audit).map((r) => r.rows.get(row)?.rps ?? NaN);
    return rates.reduce((a, b) => a + b, 0) / rates.length;
  };
  console.log(
    `kv v2 ${row}: with one file device ${(mean('file') / mean('none')).toFixed(2)}× the rate without`,
  );
}
