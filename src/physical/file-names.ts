/**
 * How file storage names things on disk: each key segment percent-encoded so that no key can
 * escape the data directory ("." and ".." never appear, folder names never start with "." or "_",
 * which the backend keeps for its own files and for leaves).
 */

/** Bytes kept as they are in names: A-Z a-z 0-9 . _ ~ - */
const SAFE = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-')
  SAFE[c.charCodeAt(0)] = 1;

/** Percent-encodes one key segment; in folder names a leading "." or "_" is encoded too. */
export function encodeSegment(segment: string, folder: boolean): string {
  let out = '';
  const bytes = Buffer.from(segment, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    const keep = SAFE[b] === 1 && !(folder && i === 0 && (b === 0x2e || b === 0x5f));
    out += keep ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The segment a name encodes, or undefined when the name is not one this backend would write. */
export function decodeSegment(name: string, folder: boolean): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    if (name[i] !== '%') bytes.push(name.charCodeAt(i));
    else {
      bytes.push(Number.parseInt(name.slice(i + 1, i + 3), 16));
      i += 2;
    }
  }
  const segment = Buffer.from(bytes).toString('utf8');
  const valid = !/[/\0]/.test(segment) && segment !== '.' && segment !== '..' && (segment !== '' || !folder);
  return valid && encodeSegment(segment, folder) === name ? segment : undefined;
}
