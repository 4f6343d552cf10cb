import { join } from 'node:path';
import { InvalidRequestError } from '../helper/errors.js';
import { assertValidKey } from './types.js';
import { encodeSegment } from './file-names.js';

/** Where file storage keeps one key: its folder and its file (see the comment of file.ts). */
export interface Location {
  readonly dir: string;
  readonly file: string;
}

const NAME_MAX = 255;
/** Linux's PATH_MAX (with the terminating NUL); a temp file's name is ".tmp-" + 24 hex digits. */
const PATH_MAX = 4096;
const TEMP_NAME_LENGTH = 29;
/** A write in progress, in the leaf's folder. */
export const TEMP_NAME = /^\.tmp-[0-9a-f]{24}$/;
const LONE_SURROGATE = /\p{Cs}/u;

/** Where a key lives below `root`; throws for a key that must not be written. */
export function locateForWrite(root: string, key: string): Location {
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
  const dir = join(root, ...folders);
  if (Buffer.byteLength(dir) + 1 + Math.max(leaf.length, TEMP_NAME_LENGTH) >= PATH_MAX) {
    throw new InvalidRequestError(
      `path too long for file storage: the file path would be longer than ${PATH_MAX - 1} bytes`,
    );
  }
  return { dir, file: join(dir, leaf) };
}

/** Where a key lives, or undefined when no write could have stored it. */
export function locate(root: string, key: string): Location | undefined {
  try {
    return locateForWrite(root, key);
  } catch {
    return undefined;
  }
}
