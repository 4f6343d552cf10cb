/**
 * Local mappings of the ldap auth method: `groups/<name>` → policies, and `users/<name>` →
 * policies and extra groups. Names are lower-cased unless the config says case_sensitive_names.
 *
 * Storage: `group/<name>` → { policies }, `user/<name>` → { groups, policies }.
 */
import type { LogicalRequest, Storage } from '../../../logical/types.js';
import { assertSafePath } from '../../../framework/safe-path.js';
import { readConfig } from './ldap-config.js';

/** A locally defined group. */
export interface GroupEntry {
  policies: string[];
}

/** A locally defined user. */
export interface UserEntry {
  groups: string[];
  policies: string[];
}

export const GROUP_PREFIX = 'group/';
export const USER_PREFIX = 'user/';

/** Whether names are matched case-sensitively on this mount. */
export async function caseSensitive(storage: Storage): Promise<boolean> {
  return (await readConfig(storage))?.case_sensitive_names ?? false;
}

/** The storage key of a name under `prefix`, normalised for the mount's case rule. */
export async function entryKey(req: LogicalRequest, prefix: string, name: string): Promise<string> {
  assertSafePath(name);
  return prefix + ((await caseSensitive(req.storage)) ? name : name.toLowerCase());
}

/** Reads a JSON entry; undefined when absent. */
export async function readEntry<T>(storage: Storage, key: string): Promise<T | undefined> {
  const raw = await storage.get(key);
  return raw === undefined ? undefined : (JSON.parse(raw.toString('utf8')) as T);
}

/** Every key under `prefix`, one level at a time, with sub-folders flattened ("a/b"). */
export async function collectKeys(storage: Storage, prefix: string, sub = ''): Promise<string[]> {
  const out: string[] = [];
  for (const key of await storage.list(prefix + sub)) {
    if (key.endsWith('/')) out.push(...(await collectKeys(storage, prefix, sub + key)));
    else out.push(sub + key);
  }
  return out.sort();
}
