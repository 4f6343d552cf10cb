import { createHash } from 'node:crypto';
import type { Storage } from '../../logical/types.js';

/** Vault's lockout settings (seconds); per auth mount through `user_lockout_config` on tune. */
export interface LockoutSettings {
  readonly threshold: number;
  readonly duration: number;
  readonly counterReset: number;
  readonly disabled: boolean;
}

export const DEFAULT_LOCKOUT: LockoutSettings = {
  threshold: 5,
  duration: 15 * 60,
  counterReset: 15 * 60,
  disabled: false,
};

/** The auth method types whose logins are subject to lockout, as in Vault. */
export const LOCKOUT_TYPES = new Set(['userpass', 'ldap', 'approle']);

interface Record_ {
  readonly identifier: string;
  failures: number;
  /** Unix ms of the last failure (the counter resets after counterReset without failures). */
  lastFailure: number;
  /** Unix ms when the identity was locked, 0 when not locked. */
  lockedAt: number;
}

const hash = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * Counts failed logins per (auth mount accessor, identity) behind the barrier and locks an
 * identity out for a while after too many. Locked identities are listed and unlocked through
 * sys/locked-users.
 */
export class UserLockout {
  constructor(private readonly storage: Storage) {}

  private key(accessor: string, identifier: string): string {
    return `${accessor}/${hash(identifier)}`;
  }

  private async read(accessor: string, identifier: string): Promise<Record_ | undefined> {
    const raw = await this.storage.get(this.key(accessor, identifier));
    return raw === undefined ? undefined : (JSON.parse(raw.toString('utf8')) as Record_);
  }

  /** Whether the identity is locked out now. */
  async isLocked(
    accessor: string,
    identifier: string,
    s: LockoutSettings,
    now = Date.now(),
  ): Promise<boolean> {
    if (s.disabled) return false;
    const r = await this.read(accessor, identifier);
    return r !== undefined && r.lockedAt !== 0 && now - r.lockedAt < s.duration * 1000;
  }

  /** Records a failed login; returns true when this failure locked the identity. */
  async recordFailure(
    accessor: string,
    identifier: string,
    s: LockoutSettings,
    now = Date.now(),
  ): Promise<boolean> {
    if (s.disabled) return false;
    const existing = await this.read(accessor, identifier);
    const fresh =
      existing === undefined ||
      now - existing.lastFailure > s.counterReset * 1000 ||
      (existing.lockedAt !== 0 && now - existing.lockedAt >= s.duration * 1000);
    const r: Record_ = fresh ? { identifier, failures: 0, lastFailure: now, lockedAt: 0 } : existing;
    r.failures += 1;
    r.lastFailure = now;
    const locks = r.lockedAt === 0 && r.failures >= s.threshold;
    if (locks) r.lockedAt = now;
    await this.storage.put(this.key(accessor, identifier), Buffer.from(JSON.stringify(r), 'utf8'));
    return locks;
  }

  /** A successful login clears the identity's failures. */
  async recordSuccess(accessor: string, identifier: string): Promise<void> {
    await this.storage.delete(this.key(accessor, identifier));
  }

  async unlock(accessor: string, identifier: string): Promise<void> {
    await this.storage.delete(this.key(accessor, identifier));
  }

  /** Locked identities per mount accessor (only those still locked under their mount's settings). */
  async locked(
    settingsOf: (accessor: string) => LockoutSettings,
    now = Date.now(),
  ): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const folder of await this.storage.list('')) {
      if (!folder.endsWith('/')) continue;
      const accessor = folder.slice(0, -1);
      const s = settingsOf(accessor);
      for (const h of await this.storage.list(folder)) {
        const raw = await this.storage.get(folder + h);
        if (raw === undefined) continue;
        const r = JSON.parse(raw.toString('utf8')) as Record_;
        if (r.lockedAt !== 0 && now - r.lockedAt < s.duration * 1000)
          out.set(accessor, [...(out.get(accessor) ?? []), r.identifier]);
      }
    }
    return out;
  }
}
