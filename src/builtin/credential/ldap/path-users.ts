/**
 * `users/<name>` (read, write, delete) and `users/` (list): policies and extra groups granted to
 * one LDAP user, on top of what the directory's groups give.
 *   POST { policies, groups } → 204; GET → { groups: "a,b", policies: [...] } (Vault's shapes)
 */
import type { PathSpec } from '../../../framework/backend.js';
import { rest } from '../../../framework/backend.js';
import { listResponse } from '../../../framework/list-response.js';
import { normalizePolicies } from '../token-fields.js';
import type { UserEntry } from './name-mappings.js';
import { caseSensitive, collectKeys, entryKey, readEntry, USER_PREFIX } from './name-mappings.js';

/** The users paths of an ldap auth mount. */
export const pathUsers: PathSpec[] = [
  {
    pattern: '^users/?$',
    fields: {},
    operations: { list: async (req) => listResponse(await collectKeys(req.storage, USER_PREFIX)) },
    synopsis: 'Lists the locally mapped LDAP users.',
  },
  {
    pattern: `^users/${rest('name')}$`,
    fields: {
      name: { kind: 'string', description: 'Name of the LDAP user.' },
      policies: { kind: 'strings', description: 'Policies granted to the user.' },
      groups: { kind: 'strings', description: 'Additional groups the user is treated as a member of.' },
    },
    operations: {
      read: async (req, data) => {
        const user = await readEntry<UserEntry>(
          req.storage,
          await entryKey(req, USER_PREFIX, data.string('name')),
        );
        return user === undefined
          ? undefined
          : { data: { groups: user.groups.join(','), policies: [...user.policies] } };
      },
      update: async (req, data) => {
        const cs = await caseSensitive(req.storage);
        const groups = [
          ...new Set(data.strings('groups').map((g) => (cs ? g.trim() : g.trim().toLowerCase()))),
        ].sort();
        const entry: UserEntry = { groups, policies: normalizePolicies(data.strings('policies')) };
        await req.storage.put(
          await entryKey(req, USER_PREFIX, data.string('name')),
          Buffer.from(JSON.stringify(entry), 'utf8'),
        );
        return undefined;
      },
      delete: async (req, data) => {
        await req.storage.delete(await entryKey(req, USER_PREFIX, data.string('name')));
        return undefined;
      },
    },
    synopsis: 'Manages the policies and extra groups of LDAP users.',
  },
];
