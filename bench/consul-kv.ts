/**
 * KV throughput through tresor on storage "consul", next to what the same Consul agent does when
 * asked directly, measured in one run with autocannon (as bench/http.ts):
 *   - Consul `GET /v1/kv/<key>` and `PUT /v1/kv/<key>` (a value the size of tresor's ciphertext);
 *   - Consul `PUT /v1/txn` with `check-session` on tresor's lock + `set`: the fenced write tresor
 *     itself sends for each storage write while active;
 *   - tresor kv v2 read and write with the root token on the active node of a one-node HA cluster
 *     (a kv v2 read is two storage gets; a write reads the metadata, then writes the version and
 *     the metadata, each a fenced transaction).
 *   npx tsx bench/consul-kv.ts [seconds] [connections]
 * Prints a Markdown table; bench/RESULTS.md records runs with the machine and the date.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import type autocannon from 'autocannon';
import { runAutocannon } from './autocannon.js';
import { consulBinary } from '../test/helpers/consul.js';
import { startHaCluster } from '../test/helpers/ha-cluster.js';

const seconds = Number(process.argv[2] ?? '10');
const connections = Number(process.argv[3] ?? '16');

interface Row {
  via: string;
  target: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
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
const c = await startHaCluster(1);
const rows: Row[] = [];
try {
  const active = await c.active();
  const tresor = active.addr;
  const consul = `http://${c.consul.httpAddr}`;
  const headers = { 'X-Vault-Token': c.rootToken };
  const mount = await c.api(
    active,
    'POST',
    'sys/mounts/secret',
    { type: 'kv', options: { version: '2' } },
    c.rootToken,
  );
  if (mount.status !== 204) throw new Error(`mount failed: ${mount.status}`);
  const secret = JSON.stringify({ data: { password: 'p'.repeat(64) } });
  if (
    (await fetch(`${tresor}/v1/secret/data/bench/read`, { method: 'POST', headers, body: secret })).status !==
    200
  )
    throw new Error('seed write failed');

  // A raw value as large as what tresor stores for the secret above (its barrier ciphertext).
  const stored = (await (await fetch(`${consul}/v1/kv/tresor/?recurse=true`)).json()) as {
    Key: string;
    Value: string | null;
  }[];
  const versionBlob = stored.find((i) => /\/versions\/[0-9a-f]{64}\/1$/.test(i.Key));
  const rawValue = Buffer.alloc(
    versionBlob?.Value === null || versionBlob === undefined
      ? 256
      : Buffer.from(versionBlob.Value, 'base64').length,
    0x78,
  );
  if (
    (await fetch(`${consul}/v1/kv/bench/raw-read`, { method: 'PUT', body: new Uint8Array(rawValue) }))
      .status !== 200
  )
    throw new Error('raw seed failed');
  // tresor's lock session, for the fenced transaction it sends itself.
  const lock = (await (await fetch(`${consul}/v1/kv/tresor/core/lock`)).json()) as { Session?: string }[];
  const session = lock[0]?.Session;
  if (session === undefined) throw new Error('tresor holds no lock session');
  const txn = JSON.stringify([
    { KV: { Verb: 'check-session', Key: 'tresor/core/lock', Session: session } },
    { KV: { Verb: 'set', Key: 'bench/raw-txn', Value: rawValue.toString('base64') } },
  ]);

  const targets: [string, string, autocannon.Options][] = [
    ['consul', 'KV GET /v1/kv/<key>', { url: `${consul}/v1/kv/bench/raw-read`, method: 'GET' }],
    [
      'consul',
      'KV PUT /v1/kv/<key>',
      { url: `${consul}/v1/kv/bench/raw-write`, method: 'PUT', body: rawValue.toString('latin1') },
    ],
    ['consul', 'txn check-session + set', { url: `${consul}/v1/txn`, method: 'PUT', body: txn }],
    ['tresor', 'kv v2 read', { url: `${tresor}/v1/secret/data/bench/read`, method: 'GET', headers }],
    [
      'tresor',
      'kv v2 write',
      { url: `${tresor}/v1/secret/data/bench/write`, method: 'POST', headers, body: secret },
    ],
  ];
  for (const [via, target, opts] of targets) {
    const r = await runAutocannon({ ...opts, connections, duration: seconds });
    rows.push({
      via,
      target,
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.errors + r.non2xx,
    });
    process.stderr.write(`${via} ${target}: ${Math.round(r.requests.average)} req/s\n`);
  }
  // The lock was held throughout: the fenced transactions above all passed their check.
  if ((await c.api(active, 'GET', 'sys/health')).status !== 200)
    throw new Error('the tresor node lost the active role during the run');
} finally {
  await c.stop();
}

const rps = (via: string, target: string): number =>
  rows.find((r) => r.via === via && r.target === target)?.rps ?? NaN;
const cpus = os.cpus();
console.log(
  `machine: ${cpus.length} × ${cpus[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${await consulVersion()} (-dev agent, in-memory, loopback)`,
);
console.log(
  `command: npx tsx bench/consul-kv.ts ${seconds} ${connections}   date: ${new Date().toISOString()}   runtime: ${Math.round((Date.now() - started) / 1000)} s   load average (1 min) at start/end: ${loadAtStart.toFixed(1)}/${(os.loadavg()[0] ?? NaN).toFixed(1)}`,
);
console.log(
  'tresor: one node, storage "consul" (HA on: it holds the lock, so every storage write is a fenced transaction); same machine as Consul and autocannon',
);
console.log('');
console.log('| via | target | req/s | p50 ms | p99 ms | errors |');
console.log('|---|---|---:|---:|---:|---:|');
for (const r of rows)
  console.log(`| ${r.via} | ${r.target} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.errors} |`);
const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(1)}%`;
console.log(
  `tresor kv v2 read = ${pct(rps('tresor', 'kv v2 read'), rps('consul', 'KV GET /v1/kv/<key>'))} of raw Consul KV GET`,
);
console.log(
  `tresor kv v2 write = ${pct(rps('tresor', 'kv v2 write'), rps('consul', 'KV PUT /v1/kv/<key>'))} of raw Consul KV PUT, ${pct(rps('tresor', 'kv v2 write'), rps('consul', 'txn check-session + set'))} of the raw fenced txn`,
);
