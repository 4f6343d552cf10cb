import type { Storage } from '../../../logical/types.js';
import { InvalidRequestError } from '../../../helper/errors.js';
import type { TokenParams } from '../token-fields.js';
import { defaultTokenParams } from '../token-fields.js';
import type { PasswordHash } from './password-hash.js';

/**
 * A userpass user as stored at `user/<lowercased name>` in the mount's view: the scrypt hash of
 * the password (never the password) and the token settings.
 */
export interface UserEntry extends TokenParams {
  password_hash: PasswordHash;
}

/** Vault's GenericNameRegex: word characters, with "-" and "." inside; ".." is refused too. */
const NAME = /^\w(?:[\w.-]*\w)?$/;

/** Usernames are case-insensitive: stored and compared lowercased. */
export function normalizeUsername(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Whether a name may be used as a username (and so as a storage key). */
export function isValidUsername(name: string): boolean {
  return NAME.test(name) && !name.includes('..') && name.length <= 4096;
}

/** Throws a 400 for a name that cannot be a username. */
export function assertValidUsername(name: string): void {
  if (name === '') throw new InvalidRequestError('missing username');
  if (!isValidUsername(name)) {
    throw new InvalidRequestError(
      `invalid username "${name}": use letters, digits and "_", with "-" or "." inside (not "..")`,
    );
  }
}

const key = (name: string): string => `user/${name}`;

/** Reads a user; undefined when unknown (or when the name could not be a user). */
export async function readUser(storage: Storage, name: string): Promise<UserEntry | undefined> {
  if (!isValidUsername(name)) return undefined;
  const raw = await storage.get(key(name));
  if (raw === undefined) return undefined;
  return {
    ...defaultTokenParams(),
    ...(JSON.parse(raw.toString('utf8')) as Partial<UserEntry>),
  } as UserEntry;
}

export async function writeUser(storage: Storage, name: string, user: UserEntry): Promise<void> {
  assertValidUsername(name);
  await storage.put(key(name), Buffer.from(JSON.stringify(user), 'utf8'));
}

export async function deleteUser(storage: Storage, name: string): Promise<void> {
  if (isValidUsername(name)) await storage.delete(key(name));
}

export async function listUsers(storage: Storage): Promise<string[]> {
  return (await storage.list('user/')).filter((k) => !k.endsWith('/'));
}
