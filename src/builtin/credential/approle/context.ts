import type { BackendConfig } from '../../../logical/types.js';
import type { FieldData } from '../../../framework/field-data.js';
import { MountSalt } from '../mount-salt.js';
import { KeyedMutex } from '../../../helper/keyed-mutex.js';
import type { RoleEntry } from './role-store.js';
import { assertValidRoleName, normalizeRoleName, RoleStore } from './role-store.js';
import { SecretIdStore } from './secret-id-store.js';

/** What the AppRole paths share: the stores, a lock per role name, and the mount's TTL view. */
export interface AppRoleContext {
  readonly roles: RoleStore;
  readonly secretIds: SecretIdStore;
  /** Serialises changes to one role (create/update/delete, role-id changes). */
  readonly roleLocks: KeyedMutex;
  /** The mount's maximum lease TTL in seconds (caps secret ID TTLs). */
  maxLeaseTtl(): number;
}

/** Builds the context of one mount. */
export function appRoleContext(config: BackendConfig): AppRoleContext {
  const salt = new MountSalt(config.storage);
  return {
    roles: new RoleStore(config.storage, salt),
    secretIds: new SecretIdStore(config.storage, salt),
    roleLocks: new KeyedMutex(),
    maxLeaseTtl: () => config.system.mountLeaseTtls(config.mountPath).maxLeaseTtl,
  };
}

/** The request's role name, lowercased and validated. */
export function roleNameOf(f: FieldData): string {
  const name = normalizeRoleName(f.string('role_name'));
  assertValidRoleName(name);
  return name;
}

/** The role of the request, or undefined. */
export async function roleOf(ctx: AppRoleContext, f: FieldData): Promise<RoleEntry | undefined> {
  return ctx.roles.read(roleNameOf(f));
}

/** The scope of a role's secret IDs in the secret ID store: its name and its random scope key. */
export function secretIdScope(role: RoleEntry): string {
  return `${role.name}:${role.secret_id_scope}`;
}
