import { open } from 'node:fs/promises';

/** How far back from the end a last line is looked for (an entry is far smaller). */
const TAIL_BYTES = 1024 * 1024;

/** The last non-empty line of the file at `path` (without its newline); undefined if it has none. */
export async function readTail(path: string): Promise<string | undefined> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lines = buffer
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '');
    return lines.at(-1);
  } finally {
    await handle.close();
  }
}
