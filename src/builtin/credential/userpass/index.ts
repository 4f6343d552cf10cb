/**
 * The userpass auth method: users with a password and token settings; `login/<username>` issues
 * a token.
 *
 * Storage layout (inside the mount's view, behind the barrier):
 *   user/<lowercased username>   {password_hash: scrypt record, token_* settings}
 *
 * Passwords are never stored or logged: only their scrypt hash (random salt, parameters kept with
 * the hash); checks compare in constant time and take as long for unknown users as for known
 * ones. Failed logins answer 400 "invalid username or password"; the pipeline counts them per
 * username (loginIdentifier) for user lockout.
 */
import type { BackendFactory } from '../../../logical/types.js';
import { defineBackend } from '../../../framework/backend.js';
import { loginPath, loginUsername } from './path-login.js';
import { userPaths } from './path-users.js';
import { readUser } from './user-store.js';
import { samePolicies } from '../token-fields.js';
import { InvalidRequestError } from '../../../helper/errors.js';

/** Creates the userpass backend for its mount. */
export const userpassFactory: BackendFactory = () =>
  defineBackend({
    type: 'userpass',
    paths: [...userPaths, loginPath],
    specialPaths: { unauthenticated: ['login', 'login/*'] },
    loginIdentifier: (req) =>
      Promise.resolve(
        req.operation === 'update' || req.operation === 'create' ? loginUsername(req.path) : undefined,
      ),
    // A renewal is refused once the user is deleted or its policies changed, as in Vault.
    renewAuth: async (storage, auth) => {
      const name = typeof auth.internalData.username === 'string' ? auth.internalData.username : '';
      const user = await readUser(storage, name);
      if (user === undefined) throw new InvalidRequestError('user no longer exists, not renewing');
      if (!samePolicies(auth.policies, user.token_policies))
        throw new InvalidRequestError('policies have changed, not renewing');
    },
  });
