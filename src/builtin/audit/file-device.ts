import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { readTail } from './read-tail.js';
import { dirname } from 'node:path';
import type { AuditDevice, AuditDeviceFactory } from '../../logical/audit.js';
import { InvalidRequestError } from '../../helper/errors.js';
import { LineWriter } from './line-writer.js';

/** How long one write to the file may take before the entries waiting on it fail. */
const WRITE_TIMEOUT_MS = 5000;

const FILE_OPTIONS = new Set(['file_path', 'path', 'mode']);

/** `mode`: an octal string; "0000" keeps the mode a file already has. Executable bits are refused. */
function parseMode(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return 0o600;
  if (!/^[0-7]{1,4}$/.test(raw))
    throw new InvalidRequestError(`mode must be an octal string such as "0600", not "${raw}"`);
  const mode = Number.parseInt(raw, 8);
  if (mode === 0) return undefined;
  if ((mode & 0o111) !== 0)
    throw new InvalidRequestError(`mode "${raw}" has executable bits; an audit log must not be executable`);
  if ((mode & ~0o777) !== 0)
    throw new InvalidRequestError(`mode "${raw}" sets special bits; use permission bits only`);
  return mode;
}

/** Opens `path` for appending, creating it (and its folders) with `mode`, and sets `mode` on it. */
async function openLog(path: string, mode: number | undefined): Promise<FileHandle> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const handle = await open(path, 'a', mode ?? 0o600);
  try {
    if (mode !== undefined) await handle.chmod(mode);
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

class FileDevice implements AuditDevice {
  private readonly writer: LineWriter;

  constructor(
    private handle: FileHandle,
    private readonly path: string,
    private readonly mode: number | undefined,
  ) {
    this.writer = new LineWriter(
      async (data) => {
        await this.handle.write(data);
      },
      WRITE_TIMEOUT_MS,
      `audit file ${path}`,
    );
  }

  write(line: string): Promise<void> {
    return this.writer.write(line);
  }

  /** Opens the path anew (a rotated file was renamed away) and closes the old handle once idle. */
  async reopen(): Promise<void> {
    const next = await openLog(this.path, this.mode);
    await this.writer.idle();
    const old = this.handle;
    this.handle = next;
    await old.close();
  }

  async close(): Promise<void> {
    await this.writer.idle();
    await this.handle.close();
  }

  /** The file's last line, once what is queued has been written. */
  async lastLine(): Promise<string | undefined> {
    await this.writer.idle();
    return readTail(this.path);
  }
}

/** Writes to this process's standard output. */
class StdoutDevice implements AuditDevice {
  private readonly writer = new LineWriter(
    (data) =>
      new Promise<void>((resolve, reject) => {
        process.stdout.write(data, (err) => {
          if (err) reject(err);
          else resolve();
        });
      }),
    WRITE_TIMEOUT_MS,
    'audit to stdout',
  );

  write(line: string): Promise<void> {
    return this.writer.write(line);
  }

  reopen(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return this.writer.idle();
  }
}

/** Accepts every entry and keeps none (`file_path=discard`): auditing without a log, for tests. */
const discard: AuditDevice = {
  write: () => Promise.resolve(),
  reopen: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

/**
 * The `file` device: appends each entry to `file_path` (created with `mode`, default 0600, its
 * folders with 0700), or writes to standard output (`stdout`) or nowhere (`discard`).
 */
export const fileDevice: AuditDeviceFactory = async (options, known) => {
  for (const key of Object.keys(options))
    if (!known.has(key) && !FILE_OPTIONS.has(key))
      throw new InvalidRequestError(`unknown option "${key}" for an audit device of type "file"`);
  const path = options.file_path ?? options.path ?? '';
  if (path === '') throw new InvalidRequestError('file_path is required');
  const mode = parseMode(options.mode);
  if (path.toLowerCase() === 'stdout') return new StdoutDevice();
  if (path.toLowerCase() === 'discard') return discard;
  try {
    return new FileDevice(await openLog(path, mode), path, mode);
  } catch (err) {
    throw new InvalidRequestError(`cannot open the audit file "${path}": ${(err as Error).message}`);
  }
};
