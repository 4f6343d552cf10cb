import type { Storage, StorageOp } from '../../logical/types.js';
import { applyOps } from '../../logical/apply-ops.js';
import { randomBase62, uuid } from '../../helper/random.js';
import { Salt } from './salt.js';
import { KeyedMutex } from '../../helper/keyed-mutex.js';
import type { TokenEntry } from './token-entry.js';
import { nowSeconds } from './token-entry.js';

/** What a new token entry is made of, as the issuer and the store both take it. */
export interface TokenFields {
  /** Raw id of the parent token; undefined for orphans. */
  parent?: string;
  meta?: Record<string, string> | null;
  displayName?: string;
  numUses?: number;
  ttl?: number;
  explicitMaxTtl?: number;
  period?: number;
  renewable?: boolean;
  /** Creation path ("auth/token/create", "auth/userpass/login/bob"). */
  path: string;
  role?: string;
  /** A caller-chosen id (root/sudo only; checked by the caller). */
  id?: string;
  boundCidrs?: string[];
  authMountAccessor?: string;
  authInternalData?: Record<string, unknown>;
}

export interface CreateTokenParams extends TokenFields {
  policies: string[];
}

/** Called for each token as it is revoked, before its entry is removed (leases, cubbyhole). */
export type RevokeHook = (saltedId: string, entry: TokenEntry) => Promise<void>;

export interface CreatedToken {
  readonly id: string;
  readonly entry: TokenEntry;
}

/**
 * The token store: tokens live under `id/<salted id>`, with an accessor index under
 * `accessor/<salted accessor>` → salted id, and a parent index `parent/<salted parent>/<salted child>`.
 */
export class TokenStore {
  private readonly hooks: RevokeHook[] = [];
  /**
   * Entries by salted id. Every write goes through this store on the active node, so the cache
   * stays exact; a new store (after unseal or promotion) starts empty.
   */
  private readonly cache = new Map<string, TokenEntry>();
  /**
   * A read that started before a write of the same entry finished must not put what it read into
   * the cache (it would bring back a spent use or a revoked token): every write notes a sequence
   * number before and after it, and a read caches only when no write was noted since it began.
   */
  private sequence = 0;
  private readonly writtenAt = new Map<string, number>();
  private forgottenAt = 0;
  /**
   * One lock per token (salted id) around every read-modify-write and the removal of its entry, so
   * that a token with N uses serves exactly N requests, a renewal cannot put back a spent use, and
   * a use in flight cannot write back an entry that revocation has just removed.
   */
  private readonly entryLocks = new KeyedMutex();

  private constructor(
    private readonly storage: Storage,
    private readonly salt: Salt,
  ) {}

  onRevoke(hook: RevokeHook): void {
    this.hooks.push(hook);
  }

  static async open(storage: Storage): Promise<TokenStore> {
    return new TokenStore(storage, await Salt.load(storage));
  }

  saltedId(id: string): string {
    return this.salt.hash(id);
  }

  async create(p: CreateTokenParams): Promise<CreatedToken> {
    const id = p.id ?? `hvs.${randomBase62(24)}`;
    const now = nowSeconds();
    const ttl = p.ttl ?? 0;
    const entry: TokenEntry = {
      accessor: randomBase62(24),
      parent: p.parent === undefined ? '' : this.saltedId(p.parent),
      policies: [...new Set(p.policies)].sort(),
      meta: p.meta ?? null,
      displayName: p.displayName ?? 'token',
      numUses: p.numUses ?? 0,
      creationTime: now,
      creationTtl: ttl,
      expireTime: ttl > 0 ? now + ttl : 0,
      explicitMaxTtl: p.explicitMaxTtl ?? 0,
      period: p.period ?? 0,
      renewable: p.renewable ?? ttl > 0,
      path: p.path,
      type: 'service',
      cubbyholeId: uuid(),
      role: p.role ?? '',
      lastRenewal: 0,
      boundCidrs: p.boundCidrs ?? [],
      ...(p.authMountAccessor === undefined ? {} : { authMountAccessor: p.authMountAccessor }),
      ...(p.authInternalData === undefined ? {} : { authInternalData: p.authInternalData }),
    };
    const salted = this.saltedId(id);
    // One storage write: the entry, its accessor and the parent's link to it.
    const links: StorageOp[] = [
      { op: 'put', key: `accessor/${this.salt.hash(entry.accessor)}`, value: Buffer.from(salted, 'utf8') },
    ];
    if (entry.parent !== '')
      links.push({ op: 'put', key: `parent/${entry.parent}/${salted}`, value: Buffer.alloc(0) });
    await this.writeEntry(salted, entry, links);
    return { id, entry };
  }

  /** The live entry for a token id, or undefined if unknown or expired. */
  async lookup(id: string): Promise<TokenEntry | undefined> {
    if (id === '') return undefined;
    const entry = await this.lookupSalted(this.saltedId(id));
    if (entry === undefined) return undefined;
    if (entry.expireTime !== 0 && entry.expireTime <= nowSeconds()) return undefined;
    if (entry.numUses < 0) return undefined; // last use spent, revocation pending
    return entry;
  }

  async lookupSalted(salted: string): Promise<TokenEntry | undefined> {
    const cached = this.cache.get(salted);
    if (cached !== undefined) return cached;
    const started = this.sequence;
    const raw = await this.storage.get(`id/${salted}`);
    if (raw === undefined) return undefined;
    const entry = Object.freeze(JSON.parse(raw.toString('utf8')) as TokenEntry);
    if ((this.writtenAt.get(salted) ?? 0) <= started && this.forgottenAt <= started)
      this.remember(salted, entry);
    return entry;
  }

  /** Notes a write of an entry (call before and after it). */
  private noteWrite(salted: string): void {
    this.writtenAt.set(salted, ++this.sequence);
    if (this.writtenAt.size > 10_000) {
      this.writtenAt.clear();
      this.forgottenAt = ++this.sequence;
    }
  }

  private remember(salted: string, entry: TokenEntry): void {
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(salted, entry);
  }

  /** The salted id behind an accessor, or undefined. */
  async saltedByAccessor(accessor: string): Promise<string | undefined> {
    if (accessor === '' || accessor.includes('/')) return undefined;
    const raw = await this.storage.get(`accessor/${this.salt.hash(accessor)}`);
    return raw?.toString('utf8');
  }

  async listAccessors(): Promise<string[]> {
    const out: string[] = [];
    for (const salted of await this.storage.list('id/')) {
      const e = await this.lookupSalted(salted);
      if (e !== undefined) out.push(e.accessor);
    }
    return out.sort();
  }

  update(salted: string, entry: TokenEntry): Promise<void> {
    return this.writeEntry(salted, entry, []);
  }

  /** Writes an entry (with `also`, in the same storage write) and keeps the cache exact around it. */
  private async writeEntry(salted: string, entry: TokenEntry, also: readonly StorageOp[]): Promise<void> {
    this.cache.delete(salted);
    this.noteWrite(salted);
    await applyOps(this.storage, [
      { op: 'put', key: `id/${salted}`, value: Buffer.from(JSON.stringify(entry), 'utf8') },
      ...also,
    ]);
    this.noteWrite(salted);
    this.remember(salted, Object.freeze({ ...entry }));
  }

  /**
   * Counts one use of a limited-use token. Returns the entry as it was before this use and whether
   * this was its last use (the caller revokes it once the request finishes); undefined when the
   * token has no uses left.
   */
  use(id: string): Promise<{ entry: TokenEntry; last: boolean } | undefined> {
    const salted = this.saltedId(id);
    return this.entryLocks.run(salted, async () => {
      const entry = await this.lookupSalted(salted);
      if (entry === undefined) return undefined;
      if (entry.numUses === 0) return { entry, last: false };
      if (entry.numUses < 0) return undefined; // revocation pending
      const remaining = entry.numUses - 1;
      await this.update(salted, { ...entry, numUses: remaining === 0 ? -1 : remaining });
      return { entry, last: remaining === 0 };
    });
  }

  /**
   * Rewrites a stored entry from its current value (read again under the token's lock);
   * undefined when the token is gone.
   */
  modify(salted: string, change: (entry: TokenEntry) => TokenEntry): Promise<TokenEntry | undefined> {
    return this.entryLocks.run(salted, async () => {
      const entry = await this.lookupSalted(salted);
      if (entry === undefined) return undefined;
      const next = change(entry);
      await this.update(salted, next);
      return next;
    });
  }

  /** Revokes a token and every descendant, children first. Unknown tokens are ignored. */
  async revokeTreeSalted(salted: string): Promise<void> {
    for (const child of await this.storage.list(`parent/${salted}/`)) {
      await this.revokeTreeSalted(child.replace(/\/$/, ''));
    }
    await this.removeSalted(salted);
  }

  revokeTree(id: string): Promise<void> {
    return this.revokeTreeSalted(this.saltedId(id));
  }

  /** Revokes only this token; its children become orphans. */
  async revokeOrphan(id: string): Promise<void> {
    const salted = this.saltedId(id);
    for (const child of await this.storage.list(`parent/${salted}/`)) {
      const childSalted = child.replace(/\/$/, '');
      await this.modify(childSalted, (e) => ({ ...e, parent: '' }));
      await this.storage.delete(`parent/${salted}/${childSalted}`);
    }
    await this.removeSalted(salted);
  }

  private async removeSalted(salted: string): Promise<void> {
    const entry = await this.lookupSalted(salted);
    if (entry === undefined) return;
    for (const hook of this.hooks) await hook(salted, entry);
    await this.entryLocks.run(salted, async () => {
      await this.storage.delete(`accessor/${this.salt.hash(entry.accessor)}`);
      if (entry.parent !== '') await this.storage.delete(`parent/${entry.parent}/${salted}`);
      this.cache.delete(salted);
      this.noteWrite(salted);
      await this.storage.delete(`id/${salted}`);
      this.noteWrite(salted);
      this.cache.delete(salted);
    });
  }

  /** Forgets cached entries (after another node may have changed them). */
  invalidate(): void {
    this.cache.clear();
    this.forgottenAt = ++this.sequence;
  }
}
