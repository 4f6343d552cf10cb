/**
 * `groups/<name>` (read, write, delete) and `groups/` (list): policies granted to members of an
 * LDAP group (matched on the group's name, see authenticate.ts).
 *   POST { policies } → 204; GET → { policies }
 */
import type { PathSpec } from '../../../framework/backend.js';
import { rest } from '../../../framework/backend.js';
import { listResponse } from '../../../framework/list-response.js';
import { normalizePolicies } from '../token-fields.js';
import type { GroupEntry } from './name-mappings.js';
import { collectKeys, entryKey, GROUP_PREFIX, readEntry } from './name-mappings.js';

/** The groups paths of an ldap auth mount. */
export const pathGroups: PathSpec[] = [
  {
    pattern: '^groups/?$',
    fields: {},
    operations: { list: async (req) => listResponse(await collectKeys(req.storage, GROUP_PREFIX)) },
    synopsis: 'Lists the locally mapped LDAP groups.',
  },
  {
    pattern: `^groups/${rest('name')}$`,
    fields: {
      name: { kind: 'string', description: 'Name of the LDAP group.' },
      policies: { kind: 'strings', description: 'Policies granted to members of the group.' },
    },
    operations: {
      read: async (req, data) => {
        const group = await readEntry<GroupEntry>(
          req.storage,
          await entryKey(req, GROUP_PREFIX, data.string('name')),
        );
        return group === undefined ? undefined : { data: { policies: [...group.policies] } };
      },
      update: async (req, data) => {
        const entry: GroupEntry = { policies: normalizePolicies(data.strings('policies')) };
        await req.storage.put(
          await entryKey(req, GROUP_PREFIX, data.string('name')),
          Buffer.from(JSON.stringify(entry), 'utf8'),
        );
        return undefined;
      },
      delete: async (req, data) => {
        await req.storage.delete(await entryKey(req, GROUP_PREFIX, data.string('name')));
        return undefined;
      },
    },
    synopsis: 'Manages the policies of LDAP groups.',
  },
];
