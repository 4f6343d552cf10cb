/**
 * The ldap auth method: users log in with their directory username and password; the
 * directory's groups and local mappings (`groups/`, `users/`) decide the token's policies.
 * The pipeline counts failed logins per username in one normal form (username.ts, loginIdentifier) for user lockout.
 */
import type { BackendFactory, LogicalBackend } from '../../../logical/types.js';
import { defineBackend } from '../../../framework/backend.js';
import { pathConfig } from './path-config.js';
import { pathGroups } from './path-groups.js';
import { loginUsername, pathLogin } from './path-login.js';
import { pathUsers } from './path-users.js';

/** Creates the ldap auth backend for a mount. */
export const ldapFactory: BackendFactory = (config): LogicalBackend =>
  defineBackend({
    type: 'ldap',
    specialPaths: { unauthenticated: ['login/*'] },
    paths: [
      pathConfig,
      ...pathGroups,
      ...pathUsers,
      pathLogin(config.logger.child({ component: 'auth-ldap' })),
    ],
    loginIdentifier: (req) => Promise.resolve(loginUsername(req)),
  });
