import type { LogicalRequest, LogicalResponse } from '../../../logical/types.js';
import type { PathSpec } from '../../../framework/backend.js';
import type { FieldData } from '../../../framework/field-data.js';
import { InvalidRequestError, LoginFailedError } from '../../../helper/errors.js';
import { ipInCidrs } from '../../../helper/cidr.js';
import { authDisplayName, tokenAuth } from '../token-fields.js';
import type { AppRoleContext } from './context.js';
import { secretIdScope } from './context.js';
import type { RoleEntry } from './role-store.js';

/** Vault's one answer to every credential failure, so a caller learns nothing about which part was wrong. */
const INVALID = 'invalid role or secret ID';

/** The role_id a login request is for (for user lockout), or undefined when it is not a login. */
export function loginRoleId(req: LogicalRequest): string | undefined {
  if (req.path.replace(/\/+$/, '') !== 'login') return undefined;
  const raw = req.data.role_id;
  const id = typeof raw === 'string' ? raw.trim() : '';
  return id === '' ? undefined : id;
}

function assertSource(address: string, cidrs: readonly string[], what: 'secret ID' | 'role'): void {
  if (cidrs.length > 0 && !ipInCidrs(address, cidrs)) {
    throw new InvalidRequestError(
      `source address ${JSON.stringify(address)} unauthorized by CIDR restrictions on the ${what}`,
    );
  }
}

/**
 * POST login {role_id, secret_id}. The role ID is found through its HMAC index; with
 * bind_secret_id the secret ID must be live for that role and the caller's address inside its
 * cidr_list and the role's secret_id_bound_cidrs — checked before a use is spent, so a refused
 * attempt costs the secret ID nothing. A secret ID with uses left is spent atomically.
 */
export function loginPath(ctx: AppRoleContext): PathSpec {
  const login = async (req: LogicalRequest, f: FieldData): Promise<LogicalResponse> => {
    const roleId = f.string('role_id').trim();
    if (roleId === '') throw new InvalidRequestError('missing role_id');
    const role: RoleEntry | undefined = await ctx.roles.byRoleId(roleId);
    if (role === undefined) throw new LoginFailedError(INVALID);

    let metadata: Record<string, string> = {};
    let tokenCidrs = role.token_bound_cidrs;
    if (role.bind_secret_id) {
      const secretId = f.string('secret_id').trim();
      if (secretId === '') throw new InvalidRequestError('missing secret_id');
      const entry = await ctx.secretIds.consume(secretIdScope(role), secretId, (e) => {
        assertSource(req.remoteAddress, e.cidr_list, 'secret ID');
        assertSource(req.remoteAddress, role.secret_id_bound_cidrs, 'role');
      });
      if (entry === undefined) throw new LoginFailedError(INVALID);
      metadata = { ...entry.metadata };
      if (entry.token_bound_cidrs.length > 0) tokenCidrs = entry.token_bound_cidrs;
    } else {
      assertSource(req.remoteAddress, role.secret_id_bound_cidrs, 'role');
    }

    const auth = tokenAuth(role);
    if (tokenCidrs.length > 0) auth.boundCidrs = [...tokenCidrs];
    else delete auth.boundCidrs;
    auth.metadata = { ...metadata, role_name: role.name };
    auth.displayName = authDisplayName(req.mountPoint, '');
    auth.internalData = { role_name: role.name };
    return { auth };
  };

  return {
    pattern: '^login/?$',
    fields: {
      role_id: { kind: 'string', description: 'The role ID.' },
      secret_id: { kind: 'string', description: 'A secret ID of the role (when bind_secret_id is set).' },
    },
    operations: { update: login },
    synopsis: 'Log in with a role ID and a secret ID.',
  };
}
