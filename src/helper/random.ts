import { randomFillSync, randomUUID } from 'node:crypto';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Random bytes drawn from the CSPRNG 4 KiB at a time (one call instead of one per token; Node's
 * randomUUID keeps a similar cache). Each byte is handed out once and zeroed as it is taken, so
 * spent randomness does not linger in the pool.
 */
const pool = Buffer.alloc(4096);
let offset = pool.length;

function takeByte(): number {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const byte = pool[offset] ?? 0;
  pool[offset++] = 0;
  return byte;
}

/** A uniformly random base62 string (rejection sampling, no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const byte = takeByte();
    if (byte < 248) out += BASE62.charAt(byte % 62);
  }
  return out;
}

export function uuid(): string {
  return randomUUID();
}

/** 4 random bytes as 8 hex characters (mount accessors, cluster names). */
export function shortHex(): string {
  let out = '';
  for (let i = 0; i < 4; i++) out += takeByte().toString(16).padStart(2, '0');
  return out;
}
