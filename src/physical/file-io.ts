import { open, unlink } from 'node:fs/promises';

/** Small filesystem helpers of file storage: error codes, creation, fsync of files and folders. */

export function errorCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

export function isMissing(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** fsyncs a file or folder (a folder: so that the entries created, renamed or removed in it are durable). */
export async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsyncs a directory so that the entries just created, renamed or removed in it are durable. */
export const syncDir = syncPath;

/** Writes `data` to a new file (mode 0600), without fsync: the write-ahead log makes it durable. */
export async function createFile(file: string, data: Buffer | string): Promise<void> {
  const handle = await open(file, 'wx', 0o600);
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}

/** Removes a file if it exists. */
export async function rm(file: string): Promise<void> {
  await unlink(file).catch(() => undefined);
}
