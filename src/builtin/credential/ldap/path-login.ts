/**
 * `login/<username> { password }`: authenticates against the directory (authenticate.ts) and
 * issues a token whose policies are the config's token_policies, plus the policies of every
 * group the user belongs to (in the directory or locally), plus the user's own.
 * Metadata { username }. Failures are 400s with Vault's messages.
 */
import type { Logger } from 'pino';
import type { LogicalRequest, LogicalResponse } from '../../../logical/types.js';
import type { PathSpec } from '../../../framework/backend.js';
import { rest } from '../../../framework/backend.js';
import type { FieldData } from '../../../framework/field-data.js';
import { InvalidRequestError, PermissionDeniedError } from '../../../helper/errors.js';
import { ipInCidrs } from '../../../helper/cidr.js';
import { authDisplayName, normalizePolicies, tokenAuth } from '../token-fields.js';
import { authenticate } from './authenticate.js';
import { ldapLockoutKey, normalizeLdapUsername } from './username.js';
import { readConfig } from './ldap-config.js';
import type { GroupEntry, UserEntry } from './name-mappings.js';
import { GROUP_PREFIX, readEntry, USER_PREFIX } from './name-mappings.js';

/** The username a login request is for, in its lockout form (see username.ts). */
export function loginUsername(req: LogicalRequest): string | undefined {
  if (req.operation !== 'update' && req.operation !== 'create') return undefined;
  const m = /^login\/(.+)$/.exec(req.path);
  return m?.[1] === undefined ? undefined : ldapLockoutKey(m[1]);
}

/** The policies granted through local user and group mappings. */
async function mappedPolicies(
  req: LogicalRequest,
  username: string,
  ldapGroups: readonly string[],
  cs: boolean,
): Promise<string[]> {
  const norm = (s: string): string => (cs ? s : s.toLowerCase());
  const user = await readEntry<UserEntry>(req.storage, USER_PREFIX + norm(username));
  const groups = [...new Set([...(user?.groups ?? []), ...ldapGroups].map(norm))];
  const policies: string[] = [];
  for (const name of groups) {
    if (name === '' || name.includes('..')) continue;
    const group = await readEntry<GroupEntry>(req.storage, GROUP_PREFIX + name);
    if (group !== undefined) policies.push(...group.policies);
  }
  if (user !== undefined) policies.push(...user.policies);
  return policies;
}

function login(log: Logger) {
  return async (req: LogicalRequest, data: FieldData): Promise<LogicalResponse> => {
    const cfg = await readConfig(req.storage);
    if (cfg === undefined) throw new InvalidRequestError('auth method not configured');
    const cidrs = cfg.token.token_bound_cidrs;
    if (cidrs.length > 0 && !ipInCidrs(req.remoteAddress, cidrs)) throw new PermissionDeniedError();
    const username = normalizeLdapUsername(data.string('username'));
    if (username === '') throw new InvalidRequestError('missing username');
    const identity = await authenticate(cfg, username, data.string('password'), log);
    const policies = await mappedPolicies(req, username, identity.groups, cfg.case_sensitive_names);
    const auth = tokenAuth(cfg.token);
    auth.policies = normalizePolicies([...auth.policies, ...policies]);
    auth.displayName = authDisplayName(req.mountPoint, username);
    auth.metadata = { username };
    const warnings =
      identity.groups.length === 0
        ? [
            `no LDAP groups found in groupDN '${cfg.groupdn}'; only policies from locally-defined groups available`,
          ]
        : [];
    return { auth, ...(warnings.length === 0 ? {} : { warnings }) };
  };
}

/** The login path of an ldap auth mount. */
export function pathLogin(log: Logger): PathSpec {
  return {
    pattern: `^login/${rest('username')}$`,
    fields: {
      username: { kind: 'string', description: 'The LDAP username.' },
      password: { kind: 'string', description: 'The password.' },
    },
    operations: { update: login(log) },
    synopsis: 'Logs in with an LDAP username and password.',
  };
}
