/**
 * tresor side by side with OpenBao (or Vault) on the same machine, in one run, on durable storage:
 * file against file, and tresor on Consul against the peer's one-node integrated storage (raft).
 *   BAO_BIN=/path/to/bao npx tsx bench/compare.ts [seconds] [connections] [file,consul] [rows]
 * Without BAO_BIN (or VAULT_BIN) it prints tresor's rows alone. `rows` is a comma-separated subset
 * of health,read,write,token. Each row is autocannon for `seconds` with `connections` connections;
 * kv v2 reads and writes go to 1,000 keys (seeded first) picked at random per request; tokens are
 * orphans with the default policy, created with the root token. Prints a Markdown table with the
 * ratio tresor / peer per row; bench/RESULTS.md records runs. Build a peer with
 * ../shared/tools/build-openbao.sh (not in CI).
 */
import os from 'node:os';
import { ROWS, measure, type Measured } from './kv-rows.js';
import { peerBinary, startPeer, startTresor, type RunningServer, type StorageKind } from './peers.js';

const seconds = Number(process.argv[2] ?? '8');
const connections = Number(process.argv[3] ?? '16');
const kinds = (process.argv[4] ?? 'file,consul').split(',') as StorageKind[];
const rowNames = (process.argv[5] ?? 'health,read,write,token').split(',');

async function measured(start: () => Promise<RunningServer>): Promise<[string, Map<string, Measured>]> {
  const server = await start();
  try {
    return [server.label, await measure(server, rowNames, seconds, connections)];
  } finally {
    await server.stop();
  }
}

const peer = peerBinary();
const started = Date.now();
const tables: string[] = [];
for (const kind of kinds) {
  const [ourLabel, ours] = await measured(() => startTresor(kind));
  const theirs = peer === undefined ? undefined : await measured(() => startPeer(peer.bin, peer.name, kind));
  let head = `| row | ${ourLabel} req/s | p50 ms | p99 ms | errors |`;
  if (theirs !== undefined) head += ` ${theirs[0]} req/s | p50 ms | p99 ms | errors | ratio |`;
  const lines = [head, `|---|${'---:|'.repeat(theirs === undefined ? 4 : 9)}`];
  for (const name of rowNames) {
    const a = ours.get(name);
    if (a === undefined) continue;
    let line = `| ${ROWS[name]?.title ?? name} | ${Math.round(a.rps)} | ${a.p50} | ${a.p99} | ${a.errors} |`;
    const b = theirs?.[1].get(name);
    if (b !== undefined)
      line += ` ${Math.round(b.rps)} | ${b.p50} | ${b.p99} | ${b.errors} | ${(a.rps / b.rps).toFixed(2)} |`;
    lines.push(line);
  }
  tables.push(lines.join('\n'));
}

const cpu = os.cpus();
console.log(
  `machine: ${cpu.length} × ${cpu[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
);
console.log(
  `command: ${peer === undefined ? '' : `${peer.name === 'OpenBao' ? 'BAO_BIN' : 'VAULT_BIN'}=${peer.bin} `}npx tsx bench/compare.ts ${seconds} ${connections} ${kinds.join(',')} ${rowNames.join(',')}`,
);
console.log(
  `date: ${new Date().toISOString()}   runtime: ${Math.round((Date.now() - started) / 1000)} s   load average: ${os.loadavg()[0]?.toFixed(1) ?? '?'}`,
);
for (const t of tables) console.log(`\n${t}`);
