import type { Storage } from '../../../logical/types.js';
import { InvalidRequestError } from '../../../helper/errors.js';
import type { MountSalt } from '../mount-salt.js';
import type { TokenParams } from '../token-fields.js';
import { defaultTokenParams } from '../token-fields.js';

/** An AppRole as stored at `role/<lowercased name>`. */
export interface RoleEntry extends TokenParams {
  name: string;
  role_id: string;
  bind_secret_id: boolean;
  secret_id_bound_cidrs: string[];
  secret_id_num_uses: number;
  /** Seconds; 0 = secret IDs do not expire (still capped by the mount's max TTL). */
  secret_id_ttl: number;
  local_secret_ids: boolean;
  /**
   * Random, set when the role is created and never shown: it scopes the role's secret IDs (as
   * Vault's per-role HMAC key does), so a role deleted and created again under the same name
   * never revives the old role's secret IDs.
   */
  secret_id_scope: string;
}

/** Vault's GenericNameRegex: word characters, with "-" and "." inside; ".." is refused too. */
const NAME = /^\w(?:[\w.-]*\w)?$/;

/** Role names are case-insensitive: stored lowercased. */
export function normalizeRoleName(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Throws a 400 for a name that cannot be a role name. */
export function assertValidRoleName(name: string): void {
  if (name === '') throw new InvalidRequestError('missing role_name');
  if (name.length > 4096) throw new InvalidRequestError('role_name is longer than maximum of 4096 bytes');
  if (!NAME.test(name) || name.includes('..')) {
    throw new InvalidRequestError(
      `invalid role_name "${name}": use letters, digits and "_", with "-" or "." inside (not "..")`,
    );
  }
}

const roleKey = (name: string): string => `role/${name}`;

/**
 * Roles and the role-ID index. The role ID is a credential: it is stored in the role entry (Vault
 * shows it on `role-id` reads) and indexed only under its salted HMAC, `role_id/<hmac>` → name, so
 * a login finds its role without scanning and without a clear-text key in storage.
 */
export class RoleStore {
  constructor(
    private readonly storage: Storage,
    private readonly salt: MountSalt,
  ) {}

  private async indexKey(roleId: string): Promise<string> {
    return `role_id/${await this.salt.hmac('role_id', roleId)}`;
  }

  async read(name: string): Promise<RoleEntry | undefined> {
    if (name === '' || !NAME.test(name) || name.includes('..')) return undefined;
    const raw = await this.storage.get(roleKey(name));
    if (raw === undefined) return undefined;
    const stored = JSON.parse(raw.toString('utf8')) as Partial<RoleEntry>;
    return { ...defaultTokenParams(), local_secret_ids: false, ...stored } as RoleEntry;
  }

  /** The role a role ID belongs to, if any. */
  async byRoleId(roleId: string): Promise<RoleEntry | undefined> {
    const raw = await this.storage.get(await this.indexKey(roleId));
    if (raw === undefined) return undefined;
    const { name } = JSON.parse(raw.toString('utf8')) as { name: string };
    const role = await this.read(name);
    // an index left behind by a role-id change must not resolve to the role
    return role?.role_id === roleId ? role : undefined;
  }

  /** Saves a role; a changed role ID moves its index. A role ID used by another role is refused. */
  async write(role: RoleEntry, previousRoleId: string | undefined): Promise<void> {
    assertValidRoleName(role.name);
    if (role.role_id === '') throw new InvalidRequestError('invalid role_id supplied');
    const newIndex = await this.indexKey(role.role_id);
    const taken = await this.storage.get(newIndex);
    if (taken !== undefined && (JSON.parse(taken.toString('utf8')) as { name: string }).name !== role.name) {
      throw new InvalidRequestError('role_id already in use');
    }
    if (previousRoleId !== undefined && previousRoleId !== '' && previousRoleId !== role.role_id) {
      await this.storage.delete(await this.indexKey(previousRoleId));
    }
    await this.storage.put(roleKey(role.name), Buffer.from(JSON.stringify(role), 'utf8'));
    await this.storage.put(newIndex, Buffer.from(JSON.stringify({ name: role.name }), 'utf8'));
  }

  /** Removes a role and its role-ID index (its secret IDs are flushed by the caller). */
  async delete(role: RoleEntry): Promise<void> {
    await this.storage.delete(await this.indexKey(role.role_id));
    await this.storage.delete(roleKey(role.name));
  }

  async list(): Promise<string[]> {
    return (await this.storage.list('role/')).filter((k) => !k.endsWith('/'));
  }
}
