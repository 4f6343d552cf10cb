import type { LogicalBackend } from '../../logical/types.js';
import { defineBackend } from '../../framework/backend.js';
import type { TokenBackendDeps } from './backend-deps.js';
import { createPaths } from './path-create.js';
import { lookupPaths } from './path-lookup.js';
import { renewRevokePaths } from './path-renew-revoke.js';
import { rolePaths } from './path-roles.js';

/** The auth/token mount: the token store's API. */
export function tokenBackend(d: TokenBackendDeps): LogicalBackend {
  return defineBackend({
    type: 'token',
    specialPaths: { root: ['revoke-orphan', 'revoke-orphan/*', 'accessors', 'accessors/*'] },
    paths: [...createPaths(d), ...lookupPaths(d), ...renewRevokePaths(d), ...rolePaths(d)],
  });
}
