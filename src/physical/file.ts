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
 *   transaction journal → ".txn-<ms>-<hex>.json" in the data directory (".tmp" while written)
 * So key `a` (file `_a`) and key `a/b` (folder `a`, file `a/_b`) coexist. Writes refuse what
 * `assertValidKey` refuses (`..`, `.`, empty segments, a leading "/", NUL), keys that are not
 * well-formed UTF-16 (no one-to-one UTF-8 form) and names over 255 encoded bytes (the usual file-name
 * limit); reads of such keys find nothing. A backslash is an ordinary byte ("%5C"). Keys differing
 * only in case collide on a case-insensitive file system: use a case-sensitive one.
 *
 * Durability. `put` writes a temp file (mode 0600) next to the target, fsyncs it, renames it over
 * the target and fsyncs the folder (and the parents of the folders, mode 0700, it had to create).
 * Readers see the old value or the new one, never a mix; concurrent puts of one key use their own
 * temp files and the last rename wins. `delete` unlinks, fsyncs the folder and removes the folders
 * it left empty (a concurrent put whose folder vanishes that way makes it again).
 *
 * Transactions. Every value is first written to a temp file and fsynced; the commit point is the
 * journal (the final operation per key, with its temp file name) renamed into place and fsynced;
 * then the temp files are renamed over their targets and the deletions made, and the journal is
 * removed. A failure before the commit point changes nothing; a crash after it is rolled forward
 * when the directory is next opened. Concurrent readers may see a transaction half applied.
 * One process per data directory: the backend takes no lock on it (it has no HA either).
 */
import { mkdirSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rmdir, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { InvalidRequestError, StorageError } from '../helper/errors.js';
import type { PhysicalBackend, PhysicalEntry, TxnOp } from './types.js';
import { assertValidKey } from './types.js';
import { decodeSegment, encodeSegment } from './file-names.js';
import { errorCode, isMissing, rm, syncDir, writeNewFile } from './file-io.js';

/** Options of {@link FileBackend}. */
export interface FileBackendOptions {
  /** The data directory; created (mode 0700) if missing. */
  readonly path: string;
}

interface Location {
  readonly dir: string;
  readonly file: string;
}

interface JournalOp {
  readonly op: 'put' | 'delete';
  readonly key: string;
  readonly tmp?: string;
}

const NAME_MAX = 255;
/** Linux's PATH_MAX (with the terminating NUL); a temp file's name is ".tmp-" + 24 hex digits. */
const PATH_MAX = 4096;
const TEMP_NAME_LENGTH = 29;
const TEMP_NAME = /^\.tmp-[0-9a-f]{24}$/;
const JOURNAL_NAME = /^\.txn-\d{13}-[0-9a-f]{16}\.json$/;
const PARTIAL_JOURNAL_NAME = /^\.txn-\d{13}-[0-9a-f]{16}\.json\.tmp$/;
const LONE_SURROGATE = /\p{Cs}/u;
function storageError(action: string, key: string, err: unknown): StorageError {
  const detail = err instanceof Error ? err.message : String(err);
  return new StorageError(`file storage: cannot ${action} "${key}": ${detail}`, { cause: err });
}

/** Physical storage in a local directory, durable across crashes. See the file comment. */
export class FileBackend implements PhysicalBackend {
  readonly type = 'file';
  private readonly root: string;
  /** Roll-forward of journals left by a crash; every operation waits for it (and fails if it did). */
  private readonly recovered: Promise<void>;

  constructor(options: FileBackendOptions) {
    this.root = resolve(options.path);
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    this.recovered = this.recover();
    this.recovered.catch(() => undefined); // reported by the first operation
  }

  async get(key: string): Promise<PhysicalEntry | undefined> {
    await this.recovered;
    const loc = this.locate(key);
    if (loc === undefined) return undefined;
    try {
      return { key, value: await readFile(loc.file) };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw storageError('read', key, err);
    }
  }

  async put(entry: PhysicalEntry): Promise<void> {
    await this.recovered;
    const loc = this.locateForWrite(entry.key);
    let tmp: string | undefined;
    try {
      tmp = await this.writeTemp(loc.dir, entry.value);
      await rename(join(loc.dir, tmp), loc.file);
      tmp = undefined;
      await syncDir(loc.dir);
    } catch (err) {
      if (tmp !== undefined) await rm(join(loc.dir, tmp));
      throw storageError('write', entry.key, err);
    }
  }

  async delete(key: string): Promise<void> {
    await this.recovered;
    const loc = this.locate(key);
    if (loc === undefined) return;
    try {
      await unlink(loc.file);
      await syncDir(loc.dir);
    } catch (err) {
      if (isMissing(err)) return;
      throw storageError('delete', key, err);
    }
    await this.prune(loc.dir);
  }

  async list(prefix: string): Promise<string[]> {
    await this.recovered;
    const probe = prefix === '' ? undefined : this.locate(`${prefix}x`);
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
    await this.recovered;
    // The last operation on a key decides its fate; validate every write before touching anything.
    const last = new Map<string, TxnOp>();
    for (const op of ops) {
      if (op.op === 'put') this.locateForWrite(op.entry.key);
      last.set(op.op === 'put' ? op.entry.key : op.key, op);
    }
    const final = [...last.values()].filter((op) => op.op === 'put' || this.locate(op.key) !== undefined);
    const [only] = final;
    if (final.length <= 1) {
      if (only !== undefined) await (only.op === 'put' ? this.put(only.entry) : this.delete(only.key));
      return;
    }
    const journal: JournalOp[] = [];
    try {
      for (const op of final) {
        if (op.op === 'delete') journal.push({ op: 'delete', key: op.key });
        else {
          const tmp = await this.writeTemp(this.locateForWrite(op.entry.key).dir, op.entry.value);
          journal.push({ op: 'put', key: op.entry.key, tmp });
        }
      }
    } catch (err) {
      await Promise.all(journal.map((j) => this.discardTemp(j)));
      const failed = final[journal.length];
      throw storageError('prepare a transaction writing', failed?.op === 'put' ? failed.entry.key : '', err);
    }
    const name = `.txn-${String(Date.now()).padStart(13, '0')}-${randomBytes(8).toString('hex')}.json`;
    const journalFile = join(this.root, name);
    try {
      await writeNewFile(`${journalFile}.tmp`, JSON.stringify({ version: 1, ops: journal }));
      await rename(`${journalFile}.tmp`, journalFile);
      await syncDir(this.root);
    } catch (err) {
      await rm(`${journalFile}.tmp`);
      await Promise.all(journal.map((j) => this.discardTemp(j)));
      throw storageError('commit a transaction on', journal[0]?.key ?? '', err);
    }
    // Committed: from here on the journal is rolled forward, now or at the next open.
    try {
      await this.apply(journal);
      await unlink(journalFile);
      await syncDir(this.root);
    } catch (err) {
      throw storageError(
        'apply a committed transaction (rolled forward at next open) on',
        journal[0]?.key ?? '',
        err,
      );
    }
  }

  /** Where a key lives, or undefined when no write could have stored it. */
  private locate(key: string): Location | undefined {
    try {
      return this.locateForWrite(key);
    } catch {
      return undefined;
    }
  }

  /** Where a key lives; throws for a key that must not be written. */
  private locateForWrite(key: string): Location {
    assertValidKey(key);
    if (LONE_SURROGATE.test(key)) throw new Error(`invalid storage key "${key}": not well-formed UTF-16`);
    const segments = key.split('/');
    const leaf = `_${encodeSegment(segments.pop() ?? '', false)}`;
    const folders = segments.map((s) => encodeSegment(s, true));
    // Too long for the file system: the client's path is at fault (400), and reads find nothing.
    if ([leaf, ...folders].some((name) => name.length > NAME_MAX)) {
      throw new InvalidRequestError(
        `path too long for file storage: a segment is longer than ${NAME_MAX} bytes once encoded`,
      );
    }
    const dir = join(this.root, ...folders);
    if (Buffer.byteLength(dir) + 1 + Math.max(leaf.length, TEMP_NAME_LENGTH) >= PATH_MAX) {
      throw new InvalidRequestError(
        `path too long for file storage: the file path would be longer than ${PATH_MAX - 1} bytes`,
      );
    }
    return { dir, file: join(dir, leaf) };
  }

  /** Creates `dir` (and parents, mode 0700) if needed, making the new entries durable. */
  private async makeDir(dir: string): Promise<void> {
    const first = await mkdir(dir, { recursive: true, mode: 0o700 });
    if (first === undefined) return;
    const top = dirname(first);
    for (let d = dir; d !== top && dirname(d) !== d;) {
      d = dirname(d);
      await syncDir(d);
    }
  }

  /** Writes `value` to a fresh temp file in `dir` and fsyncs it; returns the temp file's name. */
  private async writeTemp(dir: string, value: Buffer): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      await this.makeDir(dir);
      const name = `.tmp-${randomBytes(12).toString('hex')}`;
      try {
        await writeNewFile(join(dir, name), value);
        return name;
      } catch (err) {
        await rm(join(dir, name));
        // A concurrent delete pruned the folder between mkdir and open: make it again.
        if (errorCode(err) !== 'ENOENT' || attempt >= 5) throw err;
      }
    }
  }

  /** Removes a transaction's temp file, and the folders that leaves empty. */
  private async discardTemp(op: JournalOp): Promise<void> {
    if (op.tmp === undefined) return;
    const { dir } = this.locateForWrite(op.key);
    await rm(join(dir, op.tmp));
    await this.prune(dir);
  }

  /** Removes `dir` and its parents while they are empty, up to the data directory. */
  private async prune(dir: string): Promise<void> {
    for (let d = dir; d !== this.root && d.startsWith(this.root); d = dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        return; // not empty (or already gone): stop
      }
    }
  }

  /** Applies a committed journal; idempotent, so a crash midway can run it again. */
  private async apply(journal: readonly JournalOp[]): Promise<void> {
    const dirs = new Set<string>();
    const pruned: string[] = [];
    for (const op of journal) {
      const loc = this.locateForWrite(op.key);
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
    for (const dir of pruned) await this.prune(dir);
  }

  /** Rolls forward committed journals left by a crash and drops uncommitted ones (at open). */
  private async recover(): Promise<void> {
    for (const name of (await readdir(this.root)).sort()) {
      const file = join(this.root, name);
      if (PARTIAL_JOURNAL_NAME.test(name)) await rm(file);
      if (!JOURNAL_NAME.test(name)) continue;
      try {
        await this.apply(await this.parseJournal(file));
        await unlink(file);
        await syncDir(this.root);
      } catch (err) {
        throw err instanceof StorageError
          ? err
          : storageError('roll forward the transaction journal', file, err);
      }
    }
  }

  private async parseJournal(file: string): Promise<JournalOp[]> {
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
        this.locate(op.key) !== undefined &&
        ((op.op === 'delete' && op.tmp === undefined) ||
          (op.op === 'put' && typeof op.tmp === 'string' && TEMP_NAME.test(op.tmp)));
      if (!valid) throw fail('malformed');
      return op as JournalOp;
    });
  }
}
