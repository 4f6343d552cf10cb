import type { FileHandle } from 'node:fs/promises';
import { open, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isMissing, syncDir } from './file-io.js';

/**
 * The log files of file storage's write-ahead log, in the data directory: ".wal-<generation>"
 * (16 digits; a later generation holds later records). One file is written at a time; a
 * checkpoint starts the next generation and removes the older one once its writes are durable
 * in the data files. The record format is in file-log.ts.
 */
export const LOG_NAME = /^\.wal-(\d{16})$/;

const logName = (generation: number) => `.wal-${String(generation).padStart(16, '0')}`;

/** One log file being appended to. */
export class LogFile {
  private size = 0;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /** Creates generation `generation` in `root` (mode 0600) and makes its name durable. */
  static async create(root: string, generation: number): Promise<LogFile> {
    const path = join(root, logName(generation));
    const handle = await open(path, 'wx', 0o600);
    try {
      await syncDir(root);
    } catch (err) {
      await handle.close();
      throw err;
    }
    return new LogFile(path, handle);
  }

  /** Bytes appended so far. */
  get length(): number {
    return this.size;
  }

  /** Appends `record` and fdatasyncs: once this resolves, the record survives a crash. */
  async append(record: Buffer): Promise<void> {
    for (let done = 0; done < record.length;) {
      const { bytesWritten } = await this.handle.write(record, done, record.length - done, this.size + done);
      done += bytesWritten;
    }
    this.size += record.length;
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** The log files in `root`, oldest first. */
export async function listLogs(root: string): Promise<{ generation: number; path: string }[]> {
  const logs: { generation: number; path: string }[] = [];
  for (const name of await readdir(root)) {
    const match = LOG_NAME.exec(name);
    if (match?.[1] !== undefined) logs.push({ generation: Number(match[1]), path: join(root, name) });
  }
  return logs.sort((a, b) => a.generation - b.generation);
}

/** A log file's contents (empty when it is gone). */
export async function readLog(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    if (isMissing(err)) return Buffer.alloc(0);
    throw err;
  }
}

/** Removes a log file whose writes are all durable in the data files, and makes that durable. */
export async function removeLog(root: string, path: string): Promise<void> {
  await unlink(path).catch((err: unknown) => {
    if (!isMissing(err)) throw err;
  });
  await syncDir(root);
}
