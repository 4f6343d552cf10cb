import { readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError } from '../helper/errors.js';
import { locate, locateForWrite, TEMP_NAME } from './file-layout.js';
import { isMissing, rm, syncDir } from './file-io.js';
import { prune, Touched } from './file-apply.js';

/**
 * The transaction journals of earlier versions of file storage (before the write-ahead log), which
 * a crash may have left in a data directory: ".txn-<ms>-<hex>.json" (the final operation per key,
 * with the temp file holding each new value), ".json.tmp" while it was written. At open, committed
 * journals are rolled forward and partial ones removed, so such a directory still opens.
 */
interface JournalOp {
  readonly op: 'put' | 'delete';
  readonly key: string;
  readonly tmp?: string;
}

const JOURNAL_NAME = /^\.txn-\d{13}-[0-9a-f]{16}\.json$/;
const PARTIAL_JOURNAL_NAME = /^\.txn-\d{13}-[0-9a-f]{16}\.json\.tmp$/;

/** Rolls forward the committed journals in `root` and drops uncommitted ones. */
export async function recoverJournals(root: string): Promise<void> {
  for (const name of (await readdir(root)).sort()) {
    const file = join(root, name);
    if (PARTIAL_JOURNAL_NAME.test(name)) await rm(file);
    if (!JOURNAL_NAME.test(name)) continue;
    try {
      await apply(root, await parseJournal(root, file));
      await unlink(file);
      await syncDir(root);
    } catch (err) {
      if (err instanceof StorageError) throw err;
      const detail = err instanceof Error ? err.message : String(err);
      throw new StorageError(
        `file storage: cannot roll forward the transaction journal "${file}": ${detail}`,
        {
          cause: err,
        },
      );
    }
  }
}

/** Applies a committed journal durably; idempotent, so a crash midway can run it again. */
async function apply(root: string, journal: readonly JournalOp[]): Promise<void> {
  const dirs = new Set<string>();
  const pruned: string[] = [];
  for (const op of journal) {
    const loc = locateForWrite(root, op.key);
    dirs.add(loc.dir);
    if (op.op === 'put' && op.tmp !== undefined) {
      try {
        await rename(join(loc.dir, op.tmp), loc.file);
      } catch (err) {
        if (!isMissing(err)) throw err; // missing: already renamed by an earlier run
      }
    } else if (op.op === 'delete') {
      await unlink(loc.file).catch((err: unknown) => {
        if (!isMissing(err)) throw err;
      });
      pruned.push(loc.dir);
    }
  }
  for (const dir of dirs)
    await syncDir(dir).catch((err: unknown) => {
      if (!isMissing(err)) throw err;
    });
  const touched = new Touched();
  for (const dir of pruned) await prune(root, dir, touched);
  await touched.sync(1);
}

async function parseJournal(root: string, file: string): Promise<JournalOp[]> {
  const fail = (why: string) =>
    new StorageError(
      `file storage: transaction journal ${file} is ${why}; restore it from a backup or remove it`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw fail('unreadable');
  }
  const ops = (parsed as { ops?: unknown } | null)?.ops;
  if (!Array.isArray(ops)) throw fail('malformed');
  return ops.map((raw: unknown): JournalOp => {
    const op = raw as Partial<JournalOp> | null;
    const valid =
      typeof op?.key === 'string' &&
      locate(root, op.key) !== undefined &&
      ((op.op === 'delete' && op.tmp === undefined) ||
        (op.op === 'put' && typeof op.tmp === 'string' && TEMP_NAME.test(op.tmp)));
    if (!valid) throw fail('malformed');
    return op as JournalOp;
  });
}
