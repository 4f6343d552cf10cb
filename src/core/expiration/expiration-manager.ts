import { createHash } from 'node:crypto';
import type { Storage } from '../../logical/types.js';
import type { Logger } from '../../helper/logger.js';
import { InvalidRequestError } from '../../helper/errors.js';
import { randomBase62 } from '../../helper/random.js';
import type { LeaseEntry } from './lease-entry.js';
import { bucketOf } from './lease-entry.js';
import { nowSeconds } from '../token/token-entry.js';

/** How a lease is actually revoked: calls the owning backend, or revokes a token tree. */
export type Revoker = (lease: LeaseEntry) => Promise<void>;

const LOOKAHEAD_BUCKETS = 10; // minutes of upcoming expiries kept in memory
const TICK_MS = 1000;

const hashId = (leaseId: string): string => createHash('sha256').update(leaseId).digest('hex').slice(0, 32);

/**
 * Leases of secrets and tokens. Each lease is stored once by id, indexed by the token that
 * created it (tree revocation) and by expiry minute. Only the buckets of the next few minutes are
 * loaded into memory, so start-up and promotion read the index of what expires soon rather than
 * every lease; a once-a-second tick revokes what is due.
 */
export class ExpirationManager {
  private due = new Map<string, number>(); // leaseId → expireTime, for loaded buckets only
  private loadedThrough = ''; // highest bucket loaded
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(
    private readonly storage: Storage, // the sys/expire/ view
    private readonly revoker: Revoker,
    private readonly log: Logger,
  ) {}

  /** Loads the upcoming buckets (and overdue ones) and starts the revocation tick. */
  async start(): Promise<void> {
    this.due.clear();
    this.loadedThrough = '';
    await this.loadBuckets();
    this.timer = setInterval(() => {
      void this.tick();
    }, TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.due.clear();
  }

  newLeaseId(path: string): string {
    return `${path.replace(/\/+$/, '')}/${randomBase62(24)}`;
  }

  async register(lease: LeaseEntry): Promise<void> {
    await this.storage.put(`id/${lease.leaseId}`, Buffer.from(JSON.stringify(lease), 'utf8'));
    if (lease.tokenSalted !== '' && lease.kind === 'secret') {
      await this.storage.put(
        `token/${lease.tokenSalted}/${hashId(lease.leaseId)}`,
        Buffer.from(lease.leaseId, 'utf8'),
      );
    }
    await this.indexExpiry(lease);
  }

  async lookup(leaseId: string): Promise<LeaseEntry | undefined> {
    if (leaseId === '' || leaseId.split('/').some((s) => s === '..' || s === '.' || s === ''))
      return undefined;
    const raw = await this.storage.get(`id/${leaseId}`);
    return raw === undefined ? undefined : (JSON.parse(raw.toString('utf8')) as LeaseEntry);
  }

  /** Extends a lease by `increment` seconds (or its original TTL), bounded by its max expiry. */
  async renew(leaseId: string, increment: number, defaultTtl: number): Promise<LeaseEntry> {
    const lease = await this.lookup(leaseId);
    if (lease === undefined) throw new InvalidRequestError('invalid lease ID');
    if (!lease.renewable) throw new InvalidRequestError('lease is not renewable');
    const now = nowSeconds();
    if (lease.expireTime !== 0 && lease.expireTime <= now) throw new InvalidRequestError('lease expired');
    let expire = now + (increment > 0 ? increment : defaultTtl);
    if (lease.maxExpireTime !== 0) expire = Math.min(expire, lease.maxExpireTime);
    await this.unindexExpiry(lease);
    const next: LeaseEntry = { ...lease, expireTime: expire, lastRenewal: now };
    await this.storage.put(`id/${leaseId}`, Buffer.from(JSON.stringify(next), 'utf8'));
    await this.indexExpiry(next);
    return next;
  }

  /** Revokes one lease through its revoker, then forgets it. Unknown ids are a 400. */
  async revoke(leaseId: string, force = false): Promise<void> {
    const lease = await this.lookup(leaseId);
    if (lease === undefined) throw new InvalidRequestError('invalid lease ID');
    try {
      await this.revoker(lease);
    } catch (err) {
      if (!force) throw err;
      this.log.warn({ leaseId, err }, 'revoke-force: backend revocation failed; lease removed anyway');
    }
    await this.forget(lease);
  }

  /** Revokes every lease whose id starts with `prefix`. */
  async revokePrefix(prefix: string, force = false): Promise<number> {
    const ids = await this.listIds(prefix.replace(/\/*$/, '/'));
    for (const id of ids) await this.revoke(id, force);
    return ids.length;
  }

  /** Revokes the secret leases a token created (on token revocation). */
  async revokeByToken(tokenSalted: string): Promise<void> {
    for (const h of await this.storage.list(`token/${tokenSalted}/`)) {
      const raw = await this.storage.get(`token/${tokenSalted}/${h}`);
      if (raw === undefined) continue;
      const leaseId = raw.toString('utf8');
      if ((await this.lookup(leaseId)) !== undefined) await this.revoke(leaseId, true);
      else await this.storage.delete(`token/${tokenSalted}/${h}`);
    }
  }

  /** Lease ids under a prefix (LIST sys/leases/lookup/<prefix>), one level. */
  listPrefix(prefix: string): Promise<string[]> {
    return this.storage.list(`id/${prefix}`);
  }

  /** Removes a lease's records without calling its revoker (after a successful revocation). */
  async forget(lease: LeaseEntry): Promise<void> {
    await this.unindexExpiry(lease);
    if (lease.tokenSalted !== '' && lease.kind === 'secret') {
      await this.storage.delete(`token/${lease.tokenSalted}/${hashId(lease.leaseId)}`);
    }
    await this.storage.delete(`id/${lease.leaseId}`);
    this.due.delete(lease.leaseId);
  }

  private async listIds(prefix: string): Promise<string[]> {
    const out: string[] = [];
    for (const name of await this.storage.list(`id/${prefix}`)) {
      if (name.endsWith('/')) out.push(...(await this.listIds(prefix + name)));
      else out.push(prefix + name);
    }
    return out;
  }

  private async indexExpiry(lease: LeaseEntry): Promise<void> {
    if (lease.expireTime === 0) return;
    const bucket = bucketOf(lease.expireTime);
    await this.storage.put(`time/${bucket}/${hashId(lease.leaseId)}`, Buffer.from(lease.leaseId, 'utf8'));
    if (bucket <= this.loadedThrough) this.due.set(lease.leaseId, lease.expireTime);
  }

  private async unindexExpiry(lease: LeaseEntry): Promise<void> {
    if (lease.expireTime === 0) return;
    await this.storage.delete(`time/${bucketOf(lease.expireTime)}/${hashId(lease.leaseId)}`);
    this.due.delete(lease.leaseId);
  }

  /** Loads every bucket up to now + LOOKAHEAD minutes not loaded yet. */
  private async loadBuckets(): Promise<void> {
    const horizon = bucketOf(nowSeconds() + LOOKAHEAD_BUCKETS * 60);
    for (const name of await this.storage.list('time/')) {
      const bucket = name.replace(/\/$/, '');
      if (bucket <= this.loadedThrough) continue;
      if (bucket > horizon) break;
      for (const h of await this.storage.list(`time/${bucket}/`)) {
        const raw = await this.storage.get(`time/${bucket}/${h}`);
        if (raw === undefined) continue;
        const lease = await this.lookup(raw.toString('utf8'));
        if (lease === undefined) await this.storage.delete(`time/${bucket}/${h}`);
        else this.due.set(lease.leaseId, lease.expireTime);
      }
    }
    this.loadedThrough = horizon;
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      if (bucketOf(nowSeconds() + LOOKAHEAD_BUCKETS * 60) > this.loadedThrough) await this.loadBuckets();
      const now = nowSeconds();
      for (const [leaseId, expire] of [...this.due]) {
        if (expire > now) continue;
        this.due.delete(leaseId);
        try {
          const lease = await this.lookup(leaseId);
          if (lease === undefined || (lease.expireTime !== 0 && lease.expireTime > now)) continue;
          await this.revoker(lease);
          await this.forget(lease);
          this.log.debug({ leaseId }, 'lease expired and revoked');
        } catch (err) {
          this.log.warn({ leaseId, err }, 'revoking an expired lease failed; will retry');
          this.due.set(leaseId, now + 5);
        }
      }
    } catch (err) {
      this.log.error({ err }, 'expiration tick failed');
    } finally {
      this.ticking = false;
    }
  }
}
