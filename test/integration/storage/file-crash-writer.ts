/**
 * The child of file-crash.test.ts: writes to a FileBackend in `argv[2]` until it is killed, printing
 * one line per write as its promise resolves (an acknowledgement):
 *   put <writer> <n>     key k/<writer>/<n> holds "v<writer>-<n>"; o/<writer> holds some m >= n
 *   txn <writer> <n>     t/<writer>/<n>/k00..k14 (and c) hold "<n>"; t/<writer>/<n-2>/c is gone
 * every key below the prefix `argv[3]`; `argv[4]` is the log size that starts a checkpoint, `argv[5]`
 * the number of concurrent writers.
 */
import { FileBackend } from '../../../src/physical/file.js';
import { TXN_KEYS } from './file-crash-keys.js';

const [dir, prefix = '', limit, writers] = process.argv.slice(2);
if (dir === undefined)
  throw new Error('usage: file-crash-writer.ts <dir> [key-prefix] [log-limit] [writers]');
const backend = new FileBackend({ path: dir, logLimitBytes: Number(limit ?? 4 << 20) });
const filler = 'x'.repeat(300);
const value = (text: string) => Buffer.from(`${text}|${filler}`);

async function writer(w: number): Promise<never> {
  for (let n = 0; ; n++) {
    if (n % 2 === 0) {
      // Two writes at once from one writer, so that batches mix writers and keys.
      await Promise.all([
        backend.put({ key: `${prefix}k/${w}/${n}`, value: value(`v${w}-${n}`) }),
        backend.put({ key: `${prefix}o/${w}`, value: value(String(n)) }),
      ]);
      process.stdout.write(`put ${w} ${n}\n`);
    } else {
      // Large, so that a kill often lands while a transaction is being applied to the data files.
      await backend.transaction([
        ...TXN_KEYS.map((k) => ({
          op: 'put' as const,
          entry: { key: `${prefix}t/${w}/${n}/${k}`, value: value(String(n)) },
        })),
        { op: 'delete', key: `${prefix}t/${w}/${n - 2}/c` },
      ]);
      process.stdout.write(`txn ${w} ${n}\n`);
    }
  }
}

process.stdout.write('ready\n');
await Promise.all(Array.from({ length: Number(writers ?? 16) }, (_, w) => writer(w)));
