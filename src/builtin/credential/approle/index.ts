/**
 * The AppRole auth method: machines log in with a role ID (like a username) and a secret ID
 * (like a one-time or short-lived password) that an operator or orchestrator generates, often
 * response-wrapped.
 *
 * Storage layout (inside the mount's view, behind the barrier; hmac = HMAC-SHA256 under the
 * mount's random salt, see ../mount-salt.ts):
 *   salt                                      the mount's HMAC key
 *   role/<lowercased name>                    role settings, token_* settings, role_id
 *   role_id/<hmac(role_id)>                   {name}: login finds the role by role ID
 *   secret_id/<hmac(scope)>/<hmac(secret_id)> the secret ID's properties (uses left, expiry, CIDRs, metadata)
 *   accessor/<hmac(accessor)>                 {secret_id_hmac, role_folder}
 *
 * Secret IDs are never stored or logged in clear. Every credential failure answers 400 "invalid
 * role or secret ID"; the pipeline counts failures per role_id (loginIdentifier) for lockout.
 */
import type { BackendFactory } from '../../../logical/types.js';
import { defineBackend } from '../../../framework/backend.js';
import { appRoleContext } from './context.js';
import { loginPath, loginRoleId } from './path-login.js';
import { rolePaths } from './path-role.js';
import { secretIdPaths } from './path-secret-id.js';
import { samePolicies } from '../token-fields.js';
import { InvalidRequestError } from '../../../helper/errors.js';

/** Creates the AppRole backend for its mount. */
export const appRoleFactory: BackendFactory = (config) => {
  const ctx = appRoleContext(config);
  return defineBackend({
    type: 'approle',
    paths: [loginPath(ctx), ...rolePaths(ctx), ...secretIdPaths(ctx)],
    specialPaths: { unauthenticated: ['login', 'login/*'] },
    loginIdentifier: (req) =>
      Promise.resolve(
        req.operation === 'update' || req.operation === 'create' ? loginRoleId(req) : undefined,
      ),
    // A renewal is refused once the role is deleted or its policies changed, as in Vault.
    renewAuth: async (_storage, auth) => {
      const name = typeof auth.internalData.role_name === 'string' ? auth.internalData.role_name : '';
      const role = await ctx.roles.read(name);
      if (role === undefined) throw new InvalidRequestError(`role "${name}" does not exist during renewal`);
      if (!samePolicies(auth.policies, role.token_policies))
        throw new InvalidRequestError('policies have changed, not renewing');
    },
  });
};
