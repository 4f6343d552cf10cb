import { createHash } from 'node:crypto';
import type { Storage, StorageOp } from '../../logical/types.js';
import { applyOps } from '../../logical/apply-ops.js';
import type { Logger } from '../../helper/logger.js';
import { InvalidRequestError } from '../../helper/errors.js';
import { randomBase62 } from '../../helper/random.js';
import type { LeaseEntry } from './lease-entry.js';
import { bucketOf } from './lease-entry.js';
import { nowSeconds } from '../token/token-entry.js';
import { forEachLimit } from '../../helper/for-each-limit.js';

/** How a lease is actually revoked: calls the owning backend, or revokes a token tree. */
export type Revoker = (lease: LeaseEntry) => Promise<void>;

const LOOKAHEAD_BUCKETS = 10; // minutes of upcoming expiries kept in memory
const TICK_MS = 1000;
/** Index entries read at once while loading buckets. */
const LOAD_PARALLEL = 64;

const hashId = (leaseId: string): string => createHash('sha256').update(leaseId).digest('hex').slice(0, 32);

/**
 * Leases of secrets and tokens. Each lease is stored once by id, indexed by the token that
 * created it (tree revocation) and by expiry minute. Only the buckets of the next few minutes are
 * loaded into memory, so start-up and promotion read the index of what expires soon rather than
 * every lease; a once-a-second tick revokes what is due.
 *
 * Loading happens in the background: `start` returns at once, so a node becomes active without
 * waiting for it (with 100,000 leases due soon, loading takes seconds). That is safe because the
 * tick trusts nothing it holds in memory: before revoking, it reads the lease again and skips one
 * that was renewed or revoked meanwhile. The buckets being loaded count as loaded from the start,
 * so a lease registered or renewed during the load goes straight into memory. The load reads only
 * the index (a lease is due from the start of its minute); the tick reads the lease itself.
 */
export class ExpirationManager {
  private due = new Map<string, number>(); // leaseId → expireTime, for loaded buckets only
  private loadedThrough = ''; // highest bucket loaded
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private loading: Promise<void> | undefined;
  private loadingGeneration = -1;
  /** Bumped by start and stop: a load of an earlier generation stops filling `due`. */
  private generation = 0;

  constructor(
    private readonly storage: Storage, // the sys/expire/ view
    private readonly revoker: Revoker,
    private readonly log: Logger,
  ) {}

  /** Starts loading the upcoming buckets (and overdue ones) in the background, and the revocation tick. */
  start(): Promise<void> {
    this.due.clear();
    this.loadedThrough = '';
    this.generation++;
    this.backgroundLoad();
    this.timer = setInterval(() => {
      void this.tick();
    }, TICK_MS);
    this.timer.unref();
    return Promise.resolve();
  }

  /** Resolves once the buckets being loaded are in memory (for tests and benchmarks). */
  async loaded(): Promise<void> {
    while (this.loading !== undefined) await this.loading;
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.generation++;
    this.due.clear();
  }

  /** Starts loading what is due up to the lookahead horizon, unless this generation is loading already. */
  private backgroundLoad(): void {
    const generation = this.generation;
    if (this.loading !== undefined && this.loadingGeneration === generation) return;
    this.loadingGeneration = generation;
    const loading = this.loadBuckets(generation)
      .catch((err: unknown) => {
        // Left unloaded: the next tick tries again.
        if (generation === this.generation) this.loadedThrough = '';
        this.log.error({ err }, 'loading the lease expiry index failed; will retry');
      })
      .finally(() => {
        if (this.loading === loading) this.loading = undefined;
      });
    this.loading = loading;
  }

  newLeaseId(path: string): string {
    return `${path.replace(/\/+$/, '')}/${randomBase62(24)}`;
  }

  /** Stores a new lease, its token's link to it and its expiry index entry in one storage write. */
  async register(lease: LeaseEntry): Promise<void> {
    const ops: StorageOp[] = [
      { op: 'put', key: `id/${lease.leaseId}`, value: Buffer.from(JSON.stringify(lease), 'utf8') },
    ];
    if (lease.tokenSalted !== '' && lease.kind === 'secret')
      ops.push({ op: 'put', key: this.tokenLinkKey(lease), value: Buffer.from(lease.leaseId, 'utf8') });
    if (lease.expireTime !== 0)
      ops.push({ op: 'put', key: this.expiryKey(lease), value: Buffer.from(lease.leaseId, 'utf8') });
    await applyOps(this.storage, ops);
    if (lease.expireTime !== 0 && bucketOf(lease.expireTime) <= this.loadedThrough)
      this.due.set(lease.leaseId, lease.expireTime);
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
    const next: LeaseEntry = { ...lease, expireTime: expire, lastRenewal: now };
    // One storage write: the old expiry index entry out, the lease and its new index entry in.
    const ops: StorageOp[] = [];
    if (lease.expireTime !== 0) ops.push({ op: 'delete', key: this.expiryKey(lease) });
    ops.push({ op: 'put', key: `id/${leaseId}`, value: Buffer.from(JSON.stringify(next), 'utf8') });
    ops.push({ op: 'put', key: this.expiryKey(next), value: Buffer.from(leaseId, 'utf8') });
    this.due.delete(leaseId);
    await applyOps(this.storage, ops);
    if (bucketOf(expire) <= this.loadedThrough) this.due.set(leaseId, expire);
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
      await this.storage.delete(this.tokenLinkKey(lease));
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

  /** The lease's entry in the expiry index (bucket of its expiry time). */
  private expiryKey(lease: Pick<LeaseEntry, 'leaseId' | 'expireTime'>): string {
    return `time/${bucketOf(lease.expireTime)}/${hashId(lease.leaseId)}`;
  }

  /** The link from the token that created a secret lease to the lease (tree revocation). */
  private tokenLinkKey(lease: LeaseEntry): string {
    return `token/${lease.tokenSalted}/${hashId(lease.leaseId)}`;
  }

  private async unindexExpiry(lease: LeaseEntry): Promise<void> {
    if (lease.expireTime === 0) return;
    await this.storage.delete(this.expiryKey(lease));
    this.due.delete(lease.leaseId);
  }

  /** Loads every bucket up to now + LOOKAHEAD minutes not loaded yet. */
  private async loadBuckets(generation: number): Promise<void> {
    const horizon = bucketOf(nowSeconds() + LOOKAHEAD_BUCKETS * 60);
    const from = this.loadedThrough;
    this.loadedThrough = horizon;
    const started = Date.now();
    let loaded = 0;
    for (const name of await this.storage.list('time/')) {
      const bucket = name.replace(/\/$/, '');
      if (bucket <= from) continue;
      if (bucket > horizon) break;
      const entries = await this.storage.list(`time/${bucket}/`);
      await forEachLimit(entries, LOAD_PARALLEL, async (h) => {
        if (generation !== this.generation) return;
        const raw = await this.storage.get(`time/${bucket}/${h}`);
        if (raw === undefined || generation !== this.generation) return;
        // Due from the start of its minute; the tick reads the lease for its exact time.
        const leaseId = raw.toString('utf8');
        if (!this.due.has(leaseId)) this.due.set(leaseId, Number(bucket) * 60);
        loaded++;
      });
    }
    if (from === '' && generation === this.generation)
      this.log.info({ leases: loaded, ms: Date.now() - started }, 'leases due soon loaded');
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      if (bucketOf(nowSeconds() + LOOKAHEAD_BUCKETS * 60) > this.loadedThrough) this.backgroundLoad();
      const now = nowSeconds();
      for (const [leaseId, expire] of [...this.due]) {
        if (expire > now) continue;
        this.due.delete(leaseId);
        try {
          const lease = await this.lookup(leaseId);
          if (lease === undefined) {
            // A stale index entry (its lease is gone): `expire` is in the entry's minute.
            await this.storage.delete(this.expiryKey({ leaseId, expireTime: expire }));
            continue;
          }
          if (lease.expireTime !== 0 && lease.expireTime > now) {
            // Loaded early (from its minute) or renewed: wait for its exact time if it is in the window.
            if (bucketOf(lease.expireTime) <= this.loadedThrough) this.due.set(leaseId, lease.expireTime);
            continue;
          }
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
