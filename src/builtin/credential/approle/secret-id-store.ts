import { randomBytes } from 'node:crypto';
import type { Storage } from '../../../logical/types.js';
import { InvalidRequestError } from '../../../helper/errors.js';
import type { MountSalt } from '../mount-salt.js';
import { KeyedMutex } from '../../../helper/keyed-mutex.js';

/** A secret ID's properties, as stored and as the lookup endpoints show them. */
export interface SecretIdEntry {
  secret_id_accessor: string;
  /** Uses left; 0 = unlimited. */
  secret_id_num_uses: number;
  secret_id_ttl: number;
  creation_time: string;
  /** RFC 3339, or "" when the secret ID does not expire. */
  expiration_time: string;
  last_updated_time: string;
  metadata: Record<string, string>;
  cidr_list: string[];
  token_bound_cidrs: string[];
}

interface AccessorEntry {
  readonly secret_id_hmac: string;
  /** The role's folder under secret_id/ ("<hmac(role)>/"). */
  readonly role_folder: string;
}

/** What a new secret ID gets. */
export type NewSecretId = Pick<
  SecretIdEntry,
  'secret_id_num_uses' | 'secret_id_ttl' | 'metadata' | 'cidr_list' | 'token_bound_cidrs'
>;

/** 16 random bytes in UUID layout, as Vault's secret IDs and accessors look. */
export function randomId(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const isExpired = (e: SecretIdEntry, now: number): boolean =>
  e.expiration_time !== '' && Date.parse(e.expiration_time) <= now;

/**
 * Secret IDs, never stored in clear: an entry lives at `secret_id/<hmac(scope)>/<hmac(secret ID)>`
 * (the scope is the role's name and random scope key)
 * and its accessor at `accessor/<hmac(accessor)>` → the secret ID's HMAC. Everything that reads
 * and then changes one secret ID runs under that secret ID's lock, so a use-limited secret ID is
 * spent exactly once however many logins race for it. Expired entries, and entries whose
 * accessor is gone, are treated as absent and removed when met.
 */
export class SecretIdStore {
  private readonly locks = new KeyedMutex();

  constructor(
    private readonly storage: Storage,
    private readonly salt: MountSalt,
  ) {}

  private async folder(scope: string): Promise<string> {
    return `secret_id/${await this.roleFolder(scope)}`;
  }

  private async roleFolder(scope: string): Promise<string> {
    return `${await this.salt.hmac('role', scope)}/`;
  }

  private async accessorKey(accessor: string): Promise<string> {
    return `accessor/${await this.salt.hmac('accessor', accessor)}`;
  }

  private async readEntry(key: string): Promise<SecretIdEntry | undefined> {
    const raw = await this.storage.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw.toString('utf8')) as SecretIdEntry);
  }

  private async remove(key: string, entry: SecretIdEntry): Promise<void> {
    await this.storage.delete(await this.accessorKey(entry.secret_id_accessor));
    await this.storage.delete(key);
  }

  /** Reads a live entry under its lock's protection; removes it if expired or orphaned. */
  private async live(key: string): Promise<SecretIdEntry | undefined> {
    const entry = await this.readEntry(key);
    if (entry === undefined) return undefined;
    const accessor = await this.storage.get(await this.accessorKey(entry.secret_id_accessor));
    if (accessor === undefined || isExpired(entry, Date.now())) {
      await this.remove(key, entry);
      return undefined;
    }
    return entry;
  }

  /** Registers a secret ID (generated or custom); a secret ID already registered is refused. */
  async create(scope: string, secretId: string, props: NewSecretId): Promise<SecretIdEntry> {
    const secretHmac = await this.salt.hmac('secret_id', secretId);
    const roleFolder = await this.roleFolder(scope);
    const key = `secret_id/${roleFolder}${secretHmac}`;
    return this.locks.run(secretHmac, async () => {
      if ((await this.live(key)) !== undefined)
        throw new InvalidRequestError('SecretID is already registered');
      const now = new Date();
      const entry: SecretIdEntry = {
        ...props,
        secret_id_accessor: randomId(),
        creation_time: now.toISOString(),
        expiration_time:
          props.secret_id_ttl > 0 ? new Date(now.getTime() + props.secret_id_ttl * 1000).toISOString() : '',
        last_updated_time: now.toISOString(),
      };
      const accessor: AccessorEntry = { secret_id_hmac: secretHmac, role_folder: roleFolder };
      await this.storage.put(
        await this.accessorKey(entry.secret_id_accessor),
        Buffer.from(JSON.stringify(accessor), 'utf8'),
      );
      await this.storage.put(key, Buffer.from(JSON.stringify(entry), 'utf8'));
      return entry;
    });
  }

  async lookup(scope: string, secretId: string): Promise<SecretIdEntry | undefined> {
    const secretHmac = await this.salt.hmac('secret_id', secretId);
    const key = (await this.folder(scope)) + secretHmac;
    return this.locks.run(secretHmac, () => this.live(key));
  }

  async destroy(scope: string, secretId: string): Promise<void> {
    const secretHmac = await this.salt.hmac('secret_id', secretId);
    const key = (await this.folder(scope)) + secretHmac;
    await this.locks.run(secretHmac, async () => {
      const entry = await this.readEntry(key);
      if (entry !== undefined) await this.remove(key, entry);
    });
  }

  /** The secret ID HMAC an accessor points to, if the accessor exists. */
  private async resolveAccessor(accessor: string): Promise<string | undefined> {
    const raw = await this.storage.get(await this.accessorKey(accessor));
    return raw === undefined ? undefined : (JSON.parse(raw.toString('utf8')) as AccessorEntry).secret_id_hmac;
  }

  /** undefined: unknown accessor; null: the accessor exists but its secret ID (of this role) does not. */
  async lookupByAccessor(scope: string, accessor: string): Promise<SecretIdEntry | null | undefined> {
    const secretHmac = await this.resolveAccessor(accessor);
    if (secretHmac === undefined) return undefined;
    const key = (await this.folder(scope)) + secretHmac;
    return this.locks.run(secretHmac, async () => (await this.live(key)) ?? null);
  }

  /** Destroys by accessor; false when the accessor or its secret ID (of this role) is unknown. */
  async destroyByAccessor(scope: string, accessor: string): Promise<boolean> {
    const secretHmac = await this.resolveAccessor(accessor);
    if (secretHmac === undefined) return false;
    const key = (await this.folder(scope)) + secretHmac;
    return this.locks.run(secretHmac, async () => {
      const entry = await this.readEntry(key);
      if (entry === undefined) return false;
      await this.remove(key, entry);
      return true;
    });
  }

  /**
   * Spends one use of a secret ID for a login. `check` runs on the live entry before anything is
   * spent and may throw (CIDR restrictions): a refused login costs no use. Returns the entry as
   * it was before this use, or undefined when the secret ID is unknown, expired or used up.
   */
  async consume(
    scope: string,
    secretId: string,
    check: (entry: SecretIdEntry) => void,
  ): Promise<SecretIdEntry | undefined> {
    const secretHmac = await this.salt.hmac('secret_id', secretId);
    const key = (await this.folder(scope)) + secretHmac;
    return this.locks.run(secretHmac, async () => {
      const entry = await this.live(key);
      if (entry === undefined) return undefined;
      check(entry);
      if (entry.secret_id_num_uses === 1) {
        await this.remove(key, entry);
      } else if (entry.secret_id_num_uses > 1) {
        const next: SecretIdEntry = {
          ...entry,
          secret_id_num_uses: entry.secret_id_num_uses - 1,
          last_updated_time: new Date().toISOString(),
        };
        await this.storage.put(key, Buffer.from(JSON.stringify(next), 'utf8'));
      }
      return entry;
    });
  }

  /** Accessors of the role's live secret IDs. */
  async listAccessors(scope: string): Promise<string[]> {
    const folder = await this.folder(scope);
    const out: string[] = [];
    for (const name of await this.storage.list(folder)) {
      if (name.endsWith('/')) continue;
      const entry = await this.locks.run(name, () => this.live(folder + name));
      if (entry !== undefined) out.push(entry.secret_id_accessor);
    }
    return out.sort();
  }

  /** Removes every secret ID of a role (the role is being deleted). */
  async flush(scope: string): Promise<void> {
    const folder = await this.folder(scope);
    for (const name of await this.storage.list(folder)) {
      if (name.endsWith('/')) continue;
      await this.locks.run(name, async () => {
        const entry = await this.readEntry(folder + name);
        if (entry !== undefined) await this.remove(folder + name, entry);
      });
    }
  }

  /**
   * Removes expired and orphaned secret IDs, those of scopes no longer in `liveScopes` (roles
   * deleted while a secret ID was being issued), then accessors without a secret ID.
   */
  async tidy(liveScopes: readonly string[]): Promise<void> {
    const live = new Set(await Promise.all(liveScopes.map((scope) => this.roleFolder(scope))));
    for (const roleFolder of await this.storage.list('secret_id/')) {
      if (!roleFolder.endsWith('/')) continue;
      for (const name of await this.storage.list(`secret_id/${roleFolder}`)) {
        const key = `secret_id/${roleFolder}${name}`;
        await this.locks.run(name, async () => {
          const entry = await this.live(key);
          if (entry !== undefined && !live.has(roleFolder)) await this.remove(key, entry);
        });
      }
    }
    for (const name of await this.storage.list('accessor/')) {
      const raw = await this.storage.get(`accessor/${name}`);
      if (raw === undefined) continue;
      const a = JSON.parse(raw.toString('utf8')) as AccessorEntry;
      await this.locks.run(a.secret_id_hmac, async () => {
        if ((await this.storage.get(`secret_id/${a.role_folder}${a.secret_id_hmac}`)) === undefined) {
          await this.storage.delete(`accessor/${name}`);
        }
      });
    }
  }
}
