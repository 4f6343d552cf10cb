import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { forEachLimit } from '../helper/for-each-limit.js';
import type { LogOp } from './file-log.js';
import { locateForWrite, TEMP_NAME } from './file-layout.js';
import type { Location } from './file-layout.js';
import { createFile, errorCode, isMissing, rm, syncPath } from './file-io.js';

/**
 * How logged operations reach the data files: a put writes a temp file and renames it over the
 * key's file (readers see the old value or the new one), a delete unlinks and removes the folders
 * it left empty. Nothing here fsyncs: the paths changed are collected in a {@link Touched}, which
 * a checkpoint makes durable before the log that holds those operations is removed.
 */
export class Touched {
  readonly files = new Set<string>();
  readonly dirs = new Set<string>();

  get size(): number {
    return this.files.size + this.dirs.size;
  }

  /** fsyncs every file and folder changed (a path gone since is skipped: a later log covers it). */
  async sync(concurrency: number): Promise<void> {
    await forEachLimit([...this.files, ...this.dirs], concurrency, (path) =>
      syncPath(path).catch((err: unknown) => {
        if (!isMissing(err)) throw err;
      }),
    );
  }
}

/** The last operation on each key of a batch, in the order of those last operations. */
export function lastPerKey(ops: readonly LogOp[]): LogOp[] {
  const last = new Map<string, LogOp>();
  for (const op of ops) {
    last.delete(op.key);
    last.set(op.key, op);
  }
  return [...last.values()];
}

/** Applies one batch to the data files below `root`; idempotent, so a replay can run it again. */
export async function applyOps(root: string, ops: readonly LogOp[], touched: Touched): Promise<void> {
  // Distinct keys, so the operations can run side by side (folder races are retried).
  const results = await Promise.allSettled(
    lastPerKey(ops).map(async (op) => {
      const loc = locateForWrite(root, op.key);
      if (op.op === 'put') await putFile(root, loc, op.value, touched);
      else await deleteFile(root, loc, touched);
    }),
  );
  for (const result of results) if (result.status === 'rejected') throw result.reason;
}

async function putFile(root: string, loc: Location, value: Buffer, touched: Touched): Promise<void> {
  const tmp = join(loc.dir, `.tmp-${randomBytes(12).toString('hex')}`);
  for (let attempt = 1; ; attempt++) {
    try {
      await createFile(tmp, value);
      break;
    } catch (err) {
      await rm(tmp);
      // The folder is missing (never made, or a concurrent delete pruned it): make it and retry.
      if (errorCode(err) !== 'ENOENT' || attempt >= 5) throw err;
      await makeDir(root, loc.dir, touched);
    }
  }
  try {
    await rename(tmp, loc.file);
  } catch (err) {
    await rm(tmp);
    throw err;
  }
  touched.files.add(loc.file);
  touched.dirs.add(loc.dir);
}

async function deleteFile(root: string, loc: Location, touched: Touched): Promise<void> {
  try {
    await unlink(loc.file);
  } catch (err) {
    if (isMissing(err)) return;
    throw err;
  }
  touched.dirs.add(loc.dir);
  await prune(root, loc.dir, touched);
}

/** Creates `dir` and its missing parents (mode 0700); the folders holding new entries are touched. */
async function makeDir(root: string, dir: string, touched: Touched): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  for (let d = dir; d !== root && d.startsWith(root); d = dirname(d)) {
    touched.dirs.add(dirname(d));
    if (d === first) return;
  }
}

/** Removes `dir` and its parents while they are empty, up to `root`. */
export async function prune(root: string, dir: string, touched: Touched): Promise<void> {
  for (let d = dir; d !== root && d.startsWith(root); d = dirname(d)) {
    try {
      await rmdir(d);
    } catch {
      return; // not empty (or already gone): stop
    }
    touched.dirs.delete(d);
    touched.dirs.add(dirname(d));
  }
}

/** Removes the temp files a crash left in `dir` (at open, when no write is in progress). */
export async function removeTempFiles(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return;
    throw err;
  }
  for (const name of names) if (TEMP_NAME.test(name)) await rm(join(dir, name));
}

/**
 * Rejects a put that the data files could not take (a file where a folder must go, a folder where
 * the key's file must go), so that it fails before it is logged rather than after. Reads only.
 */
export async function checkWritable(root: string, loc: Location): Promise<void> {
  try {
    if ((await lstat(loc.file)).isDirectory()) throw new Error(`${loc.file} is a folder`);
    return;
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  for (let d = loc.dir; ; d = dirname(d)) {
    try {
      if ((await stat(d)).isDirectory()) return;
    } catch (err) {
      if (isMissing(err) && d !== root && d.startsWith(root)) continue;
      throw err;
    }
    throw new Error(`${d} is not a folder`);
  }
}

/** Is there a file for this location (as far as a read can tell)? */
export async function exists(loc: Location): Promise<boolean> {
  try {
    await lstat(loc.file);
    return true;
  } catch (err) {
    return !isMissing(err);
  }
}
