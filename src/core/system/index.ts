import type { LogicalBackend } from '../../logical/types.js';
import { defineBackend } from '../../framework/backend.js';
import type { SystemDeps } from './deps.js';
import { mountPaths } from './path-mounts.js';
import { policyPaths } from './path-policies.js';
import { capabilityPaths } from './path-capabilities.js';
import { internalUiPaths } from './path-internal-ui.js';
import { leasePaths } from './path-leases.js';
import { wrappingPaths } from './path-wrapping.js';
import { lockedUserPaths } from './path-locked-users.js';
import { auditPaths } from './path-audit.js';

/** Paths under sys/ that need sudo as well as the capability (Vault's root-protected paths). */
export const SYS_ROOT_PATHS = [
  'auth/*',
  'audit',
  'audit/*',
  'remount',
  'rotate',
  'raw/*',
  'config/cors',
  'config/auditing/*',
  'plugins/catalog/*',
  'revoke-prefix/*',
  'revoke-force/*',
  'leases/revoke-prefix/*',
  'leases/revoke-force/*',
  'leases/lookup/*',
  'seal',
  'step-down',
  'locked-users',
  'locked-users/*',
];

/** The sys/ backend: mounts, policies, capabilities, leases, wrapping, audit devices and the UI helpers. */
export function systemBackend(d: SystemDeps): LogicalBackend {
  return defineBackend({
    type: 'system',
    specialPaths: {
      unauthenticated: ['wrapping/lookup', 'wrapping/unwrap', 'internal/ui/mounts', 'internal/ui/mounts/*'],
      root: SYS_ROOT_PATHS,
    },
    paths: [
      ...mountPaths(d, 'mounts'),
      ...mountPaths(d, 'auth'),
      ...policyPaths(d),
      ...capabilityPaths(d),
      ...internalUiPaths(d),
      ...leasePaths(d),
      ...wrappingPaths(d),
      ...lockedUserPaths(d),
      ...auditPaths(d),
    ],
  });
}
