/**
 * File storage write throughput: N concurrent writers each doing `put` of a ~300-byte value (the
 * size of a small sealed kv v2 entry) in a loop for S seconds, on a FileBackend in a fresh temp
 * directory. Each writer cycles over its own `keys` keys (default 1000), so most puts create or
 * overwrite a distinct file, as kv v2 writes and token creation do.
 *   npx tsx bench/file-storage.ts [seconds] [writers] [keys-per-writer]
 * Prints puts/s, p50/p99 latency and the fsyncs counted per put (FileHandle datasync and sync), in
 * the timed window and including close (whose checkpoint makes every data file durable). Run by
 * hand; the machine is shared, so repeat and report every run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileBackend } from '../src/physical/file.js';

const seconds = Number(process.argv[2] ?? '5');
const writers = Number(process.argv[3] ?? '16');
const keys = Number(process.argv[4] ?? '1000');

/** Counts every fsync and fdatasync made through a FileHandle (all file storage does). */
async function countFsyncs(): Promise<() => { sync: number; datasync: number }> {
  const probe = await open(tmpdir(), 'r');
  const proto = Object.getPrototypeOf(probe) as Record<'sync' | 'datasync', (this: unknown) => Promise<void>>;
  await probe.close();
  const count = { sync: 0, datasync: 0 };
  for (const name of ['sync', 'datasync'] as const) {
    const original = proto[name];
    proto[name] = function (this: unknown) {
      count[name]++;
      return original.call(this);
    };
  }
  return () => ({ ...count });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

async function main(): Promise<void> {
  const fsyncs = await countFsyncs();
  const dir = mkdtempSync(join(tmpdir(), 'tresor-bench-file-'));
  try {
    const backend = new FileBackend({ path: join(dir, 'data') });
    await backend.get('warm-up');
    const value = Buffer.alloc(300, 0x5a);
    const latencies: number[] = [];
    const start = performance.now();
    const deadline = start + seconds * 1000;
    const before = fsyncs();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let n = 0; performance.now() < deadline; n++) {
          const t0 = performance.now();
          await backend.put({ key: `secret/data/w${w}/k${n % keys}`, value });
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    const timed = fsyncs();
    await backend.close();
    const all = fsyncs();
    latencies.sort((a, b) => a - b);
    const puts = latencies.length;
    console.log(
      `writers=${writers} seconds=${seconds} keys/writer=${keys}: ${puts} puts, ` +
        `${(puts / elapsed).toFixed(0)} puts/s, p50 ${percentile(latencies, 50).toFixed(2)} ms, ` +
        `p99 ${percentile(latencies, 99).toFixed(2)} ms; per put: ` +
        `fdatasync ${((timed.datasync - before.datasync) / puts).toFixed(3)}, ` +
        `fsync ${((timed.sync - before.sync) / puts).toFixed(3)} in the timed window, ` +
        `fsync ${((all.sync - before.sync) / puts).toFixed(3)} with close`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
