import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * A password as stored: scrypt (node:crypto) with a random 16-byte salt. The cost parameters are
 * kept with each hash so they can be raised later without breaking existing users. Defaults follow
 * OWASP's scrypt guidance (N=2^15, r=8, p=3: 32 MiB and a few hundred ms per check); the work runs
 * on libuv's thread pool, not the event loop.
 */
export interface PasswordHash {
  readonly alg: 'scrypt';
  readonly n: number;
  readonly r: number;
  readonly p: number;
  /** base64 */
  readonly salt: string;
  /** base64, 32 bytes */
  readonly hash: string;
}

const PARAMS = { n: 2 ** 15, r: 8, p: 3 } as const;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFC'),
      salt,
      KEY_LENGTH,
      { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 },
      (err, key) => {
        if (err !== null) reject(err);
        else resolve(key);
      },
    );
  });
}

/** Hashes a new password. */
export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS.n, PARAMS.r, PARAMS.p);
  return { alg: 'scrypt', ...PARAMS, salt: salt.toString('base64'), hash: key.toString('base64') };
}

/**
 * A hash no password matches, for logins of unknown users: checking against it costs exactly what
 * checking a real user's password costs, so the answer time does not tell whether a user exists.
 */
export function dummyHash(): PasswordHash {
  return {
    alg: 'scrypt',
    ...PARAMS,
    salt: randomBytes(16).toString('base64'),
    hash: randomBytes(KEY_LENGTH).toString('base64'),
  };
}

/** Whether `password` matches `stored`, compared in constant time. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const key = await derive(password, Buffer.from(stored.salt, 'base64'), stored.n, stored.r, stored.p);
  return key.length === expected.length && timingSafeEqual(key, expected);
}
