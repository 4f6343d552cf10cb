/**
 * Durable storage in a directory tree: the "file" backend (Vault's `storage "file" { path = … }`).
 *
 * Layout. A key's leading segments are folders and its last segment is a file. Every name is
 * encoded so that no key can reach outside the data directory and so that folders, leaves and the
 * backend's own files never collide:
 *   folder segment "a"  → "a"      UTF-8, percent-encoded: each byte outside [A-Za-z0-9._~-]
 *                                  becomes "%XX", and so does a leading "." or "_" — a folder is
 *                                  never ".", "..", nor starts with "_" (leaves) or "." (own files)
 *   leaf segment "b"    → "_b"     "_" + the same encoding (a leading "." or "_" may stay)
 *   write in progress   → ".tmp-<hex>" in the leaf's folder
 *   write-ahead log     → ".wal-<generation>" in the data directory (file-wal.ts, file-log.ts)
 *   transaction journal → ".txn-<ms>-<hex>.json" in the data directory, left only by earlier
 *                         versions (rolled forward at open, file-journal.ts)
 * So key `a` (file `_a`) and key `a/b` (folder `a`, file `a/_b`) coexist. Writes refuse what
 * `assertValidKey` refuses (`..`, `.`, empty segments, a leading "/", NUL), keys that are not
 * well-formed UTF-16 (no one-to-one UTF-8 form) and names over 255 encoded bytes (the usual file-name
 * limit); reads of such keys find nothing. A backslash is an ordinary byte ("%5C"). Keys differing
 * only in case collide on a case-insensitive file system: use a case-sensitive one.
 *
 * Durability: a write-ahead log with group commit (file-commit.ts). A put, a delete or a
 * transaction is queued; everything queued while the previous batch is being committed (or in the
 * same event-loop turn) forms the next batch, appended to the log as ONE checksummed record
 * (file-log.ts) made durable by ONE fdatasync, its operations in the order the calls were made.
 * Only then are the batch's operations applied to the data files (temp file + rename for a put, so
 * readers see the old value or the new one; unlink and pruning of emptied folders for a delete;
 * none of it fsynced), and only then do its writers' promises resolve: a resolved write is in the
 * log on disk and in the data files, which get and list read. A put the data files could not take
 * (a file where a folder must go) is refused before it is logged, and a delete of a key that is not
 * there logs nothing. A checkpoint (the log past LOG_LIMIT bytes, IDLE_CHECKPOINT_MS after the last
 * write, and `close`) starts a new log generation, fsyncs every file and folder the old log's
 * batches changed, then removes the old log; checkpoints run one after the other, in the
 * background. On open, before any operation runs, the logs a crash left are replayed oldest first
 * (file-replay.ts): each whole record is applied again (a torn last record, never acknowledged,
 * is ignored), the temp files and emptied folders of an interrupted apply are removed, the changes
 * fsynced and the logs removed. A record is whole or absent, so a transaction — like every batch —
 * is applied all or nothing across a crash; concurrent readers may see one half applied. If a log
 * append, an apply or a checkpoint fails, every later operation is refused (the data files may
 * lag the log, and a later log must not outlive an earlier one): reopen, which replays the log.
 * One process per data directory: the backend takes no lock on it (it has no HA either).
 */
import { mkdirSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { StorageError } from '../helper/errors.js';
import type { PhysicalBackend, PhysicalEntry, TxnOp } from './types.js';
import { decodeSegment } from './file-names.js';
import { locate, locateForWrite } from './file-layout.js';
import { isMissing } from './file-io.js';
import { applyOps, checkWritable, exists, Touched } from './file-apply.js';
import { GroupCommit } from './file-commit.js';
import { encodeRecord } from './file-log.js';
import type { LogOp } from './file-log.js';
import { recoverJournals } from './file-journal.js';
import { replayLogs } from './file-replay.js';
import { LogFile, removeLog } from './file-wal.js';

/** Options of {@link FileBackend}. */
export interface FileBackendOptions {
  /** The data directory; created (mode 0700) if missing. */
  readonly path: string;
  /** Log size that starts a checkpoint (default LOG_LIMIT); tests make it small. */
  readonly logLimitBytes?: number;
}

/** Log size that starts a checkpoint. */
const LOG_LIMIT = 4 << 20;
/** Quiet time after the last write that starts a checkpoint. */
const IDLE_CHECKPOINT_MS = 2000;
/** fsyncs a checkpoint runs at once (libuv has 4 threads; the log's fdatasync needs one). */
const CHECKPOINT_CONCURRENCY = 2;

function storageError(action: string, key: string, err: unknown): StorageError {
  const detail = err instanceof Error ? err.message : String(err);
  return new StorageError(`file storage: cannot ${action} "${key}": ${detail}`, { cause: err });
}

/** Physical storage in a local directory, durable across crashes. See the file comment. */
export class FileBackend implements PhysicalBackend {
  readonly type = 'file';
  private readonly root: string;
  private readonly logLimit: number;
  /** Journal roll-forward and log replay; every operation waits for it (and fails if it did). */
  private readonly recovered: Promise<void>;
  private readonly commits = new GroupCommit((ops) => this.commit(ops));
  /** The log being appended to (created at the first write after open or a checkpoint). */
  private log: LogFile | undefined;
  private generation = 0;
  /** What the batches of the current log changed in the data files. */
  private touched = new Touched();
  /** The checkpoints running, one after the other. */
  private checkpoints: Promise<void> = Promise.resolve();
  private checkpointsRunning = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Set once the data files may lag the log: every later operation fails with it. */
  private failure: StorageError | undefined;
  /** Keys with a write queued or being committed (a delete of a key with none may be a no-op). */
  private readonly pending = new Map<string, number>();

  constructor(options: FileBackendOptions) {
    this.root = resolve(options.path);
    this.logLimit = options.logLimitBytes ?? LOG_LIMIT;
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    this.recovered = this.recover();
    this.recovered.catch(() => undefined); // reported by the first operation
  }

  async get(key: string): Promise<PhysicalEntry | undefined> {
    await this.ready();
    const loc = locate(this.root, key);
    if (loc === undefined) return undefined;
    try {
      return { key, value: await readFile(loc.file) };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw storageError('read', key, err);
    }
  }

  async put(entry: PhysicalEntry): Promise<void> {
    locateForWrite(this.root, entry.key);
    // Copied now: the caller may change its buffer before the batch is logged.
    return this.submit([{ op: 'put', key: entry.key, value: Buffer.from(entry.value) }], 'write');
  }

  async delete(key: string): Promise<void> {
    if (locate(this.root, key) === undefined) return;
    return this.submit([{ op: 'delete', key }], 'delete');
  }

  async list(prefix: string): Promise<string[]> {
    await this.ready();
    const probe = prefix === '' ? undefined : locate(this.root, `${prefix}x`);
    if (prefix !== '' && (!prefix.endsWith('/') || probe === undefined)) return [];
    const dir = probe?.dir ?? this.root;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return [];
      throw storageError('list', prefix, err);
    }
    const names: string[] = [];
    for (const entry of entries) {
      if (entry.isFile() && entry.name.startsWith('_')) {
        const leaf = decodeSegment(entry.name.slice(1), false);
        if (leaf !== undefined) names.push(leaf);
      } else if (entry.isDirectory()) {
        const folder = decodeSegment(entry.name, true);
        if (folder !== undefined) names.push(`${folder}/`);
      }
    }
    return names.sort();
  }

  async transaction(ops: readonly TxnOp[]): Promise<void> {
    // The last operation on a key decides its fate; validate every write before queueing anything.
    const last = new Map<string, LogOp>();
    for (const op of ops) {
      if (op.op === 'put') {
        locateForWrite(this.root, op.entry.key);
        last.set(op.entry.key, { op: 'put', key: op.entry.key, value: Buffer.from(op.entry.value) });
      } else if (locate(this.root, op.key) !== undefined) last.set(op.key, { op: 'delete', key: op.key });
      else last.delete(op.key);
    }
    if (last.size === 0) return this.ready();
    return this.submit([...last.values()], 'prepare a transaction writing');
  }

  /** Commits everything queued, makes it durable in the data files and closes the log. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    await this.recovered.catch(() => undefined);
    await this.commits.exclusive(() => {
      this.checkpoint();
    });
    await this.checkpoints;
    // After a failure the log stays as it is, for replay at the next open.
    await this.log?.close().catch(() => undefined);
    this.log = undefined;
  }

  private async ready(): Promise<void> {
    await this.recovered;
    if (this.failure !== undefined) throw this.failure;
  }

  /** Queues one writer's operations (one log record with the rest of its batch). */
  private submit(ops: LogOp[], action: string): Promise<void> {
    const unseen = ops.map((op) => !this.pending.has(op.key));
    for (const op of ops) this.pending.set(op.key, (this.pending.get(op.key) ?? 0) + 1);
    const release = () => {
      for (const op of ops) {
        const n = (this.pending.get(op.key) ?? 1) - 1;
        if (n === 0) this.pending.delete(op.key);
        else this.pending.set(op.key, n);
      }
    };
    const prepared = this.ready().then(() => this.prepare(ops, unseen, action));
    return this.commits.submit(prepared).then(release, (err: unknown) => {
      release();
      throw err;
    });
  }

  /** The checks that may refuse a write before it is logged; drops deletes of absent keys. */
  private async prepare(ops: LogOp[], unseen: boolean[], action: string): Promise<LogOp[]> {
    const kept = await Promise.all(
      ops.map(async (op, i) => {
        const loc = locateForWrite(this.root, op.key);
        try {
          if (op.op === 'put') await checkWritable(this.root, loc);
          // Nothing queued before it can create the file: a missing one stays missing.
          else if (unseen[i] === true && !(await exists(loc))) return undefined;
        } catch (err) {
          throw storageError(action, op.key, err);
        }
        return op;
      }),
    );
    return kept.filter((op) => op !== undefined);
  }

  /** One batch: one log append and fdatasync, then the data files. Runs one at a time. */
  private async commit(ops: LogOp[]): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    const key = ops[0]?.key ?? '';
    try {
      this.log ??= await LogFile.create(this.root, ++this.generation);
      await this.log.append(encodeRecord(ops));
    } catch (err) {
      // The log's tail is unknown now: appending after it could hide later records from replay.
      throw this.fail(storageError('append to the write-ahead log for', key, err));
    }
    try {
      await applyOps(this.root, ops, this.touched);
    } catch (err) {
      throw this.fail(storageError('apply a logged write (replayed at next open) to', key, err));
    }
    if (this.log.length >= this.logLimit && this.checkpointsRunning === 0) this.checkpoint();
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      this.commits
        .exclusive(() => {
          this.checkpoint();
        })
        .catch(() => undefined);
    }, IDLE_CHECKPOINT_MS);
    this.idleTimer.unref();
  }

  /**
   * Starts a new log generation and, after the checkpoints before it, makes what the old log's
   * batches changed durable and removes the old log. Call between batches.
   */
  private checkpoint(): void {
    const { log, touched } = this;
    if (log === undefined || this.failure !== undefined) return;
    this.log = undefined;
    this.touched = new Touched();
    this.checkpointsRunning++;
    this.checkpoints = this.checkpoints.then(async () => {
      try {
        await touched.sync(CHECKPOINT_CONCURRENCY);
        await log.close();
        await removeLog(this.root, log.path);
      } catch (err) {
        // Removing a later log while this one stays would let replay resurrect older values.
        this.fail(storageError('checkpoint the write-ahead log', log.path, err));
      } finally {
        this.checkpointsRunning--;
      }
    });
  }

  private fail(err: StorageError): StorageError {
    this.failure ??= err;
    return err;
  }

  /** Before serving: roll forward old journals, then replay the write-ahead logs. */
  private async recover(): Promise<void> {
    await recoverJournals(this.root);
    try {
      this.generation = await replayLogs(this.root);
    } catch (err) {
      throw err instanceof StorageError ? err : storageError('replay the write-ahead log in', this.root, err);
    }
  }
}
