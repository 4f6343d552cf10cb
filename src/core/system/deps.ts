import type { MountTable } from '../routing/mount-table.js';
import type { Router } from '../routing/router.js';
import type { PolicyStore } from '../policy/policy-store.js';
import type { TokenStore } from '../token/token-store.js';
import type { ExpirationManager } from '../expiration/expiration-manager.js';
import type { Wrapper } from '../wrapping/wrapper.js';
import type { UserLockout } from '../lockout/user-lockout.js';
import type { LockoutDefaults } from '../lockout/settings.js';
import type { AuditBroker } from '../audit/audit-broker.js';

/** What the sys/ backend may touch in the core. */
export interface SystemDeps {
  readonly mounts: MountTable;
  readonly router: Router;
  readonly policies: PolicyStore;
  readonly tokens: TokenStore;
  readonly expiration: ExpirationManager;
  readonly wrapper: Wrapper;
  readonly lockout: UserLockout;
  readonly lockoutDefaults: LockoutDefaults;
  readonly audit: AuditBroker;
  readonly systemTtls: { readonly defaultLeaseTtl: number; readonly maxLeaseTtl: number };
}
