import type { ExpirationManager } from '../expiration/expiration-manager.js';
import { InvalidRequestError } from '../../helper/errors.js';
import { NON_ASSIGNABLE_POLICIES, RESPONSE_WRAPPING_POLICY_NAME } from '../policy/builtin.js';
import type { TokenFields, TokenStore } from './token-store.js';
import type { TokenEntry } from './token-entry.js';
import { nowSeconds } from './token-entry.js';
import { computeTtl } from './ttl.js';

export interface IssueParams extends TokenFields {
  policies: readonly string[];
  noDefaultPolicy?: boolean;
  /** The mount's effective TTLs. */
  defaultTtl: number;
  maxTtl: number;
  /**
   * The caller checked that a root token may come out of this (the requester is root, or this is
   * the server's own setup). Without it a root policy is refused: auth method logins never get one.
   */
  rootAllowed?: boolean;
}

export interface IssuedToken {
  readonly id: string;
  readonly entry: TokenEntry;
  readonly warnings: string[];
}

/** The token lease id: creation path + salted id (never the raw token). */
export function tokenLeaseId(entry: Pick<TokenEntry, 'path'>, salted: string): string {
  return `${entry.path.replace(/\/+$/, '')}/${salted}`;
}

/** What {@link TokenIssuer.issueResponseWrapping} needs: the rest of a wrapping token is fixed. */
export interface WrappingIssueParams {
  readonly ttl: number;
  /** Creation path (sys/wrapping/wrap). */
  readonly path: string;
}

/**
 * Issues tokens with Vault's policy and TTL rules and registers their leases for expiry. Every
 * token issued goes through here, and {@link issue} refuses the internal, non-assignable policies
 * (`response-wrapping`, `control-group`) whoever asks — token create, token roles, auth method
 * logins. Only {@link issueResponseWrapping} (the Wrapper's) mints a response-wrapping token, and
 * a root token only comes out when the caller says it may (`rootAllowed`).
 */
export class TokenIssuer {
  constructor(
    private readonly store: TokenStore,
    private readonly expiration: ExpirationManager,
  ) {}

  issue(p: IssueParams): Promise<IssuedToken> {
    return this.mint(p, false);
  }

  /** A single-use, orphan, non-renewable token carrying only the response-wrapping policy. */
  issueResponseWrapping(p: WrappingIssueParams): Promise<IssuedToken> {
    return this.mint(
      {
        policies: [RESPONSE_WRAPPING_POLICY_NAME],
        noDefaultPolicy: true,
        numUses: 1,
        ttl: p.ttl,
        renewable: false,
        path: p.path,
        defaultTtl: p.ttl,
        maxTtl: p.ttl,
        displayName: 'response-wrapping',
      },
      true,
    );
  }

  private async mint(p: IssueParams, wrapping: boolean): Promise<IssuedToken> {
    const policies = new Set(p.policies.map((x) => x.trim().toLowerCase()).filter((x) => x !== ''));
    const isRoot = policies.has('root');
    if (isRoot && p.rootAllowed !== true)
      throw new InvalidRequestError('auth methods cannot create root tokens');
    if (isRoot) {
      policies.clear();
      policies.add('root');
    } else if (p.noDefaultPolicy !== true) policies.add('default');
    const internal = [...policies].find((x) => NON_ASSIGNABLE_POLICIES.includes(x));
    if (internal !== undefined && !wrapping) {
      throw new InvalidRequestError(`cannot assign policy "${internal}"`);
    }
    if (p.id !== undefined) {
      if (p.id.includes('.')) throw new InvalidRequestError('custom token IDs cannot contain a period');
      if (p.id.trim() === '') throw new InvalidRequestError('custom token ID must not be empty');
      if ((await this.store.lookup(p.id)) !== undefined)
        throw new InvalidRequestError('cannot create a token with a duplicate ID');
    }
    const ttl = computeTtl({
      requested: p.ttl ?? 0,
      period: p.period ?? 0,
      explicitMax: p.explicitMaxTtl ?? 0,
      defaultTtl: p.defaultTtl,
      maxTtl: p.maxTtl,
      neverExpires: isRoot,
    });
    const created = await this.store.create({
      policies: [...policies],
      ...(p.parent === undefined ? {} : { parent: p.parent }),
      meta: p.meta ?? null,
      displayName: p.displayName ?? 'token',
      numUses: p.numUses ?? 0,
      ttl: ttl.ttl,
      explicitMaxTtl: p.explicitMaxTtl ?? 0,
      period: p.period ?? 0,
      renewable: ttl.ttl === 0 ? false : (p.renewable ?? true),
      path: p.path,
      ...(p.role === undefined ? {} : { role: p.role }),
      ...(p.id === undefined ? {} : { id: p.id }),
      ...(p.boundCidrs === undefined ? {} : { boundCidrs: p.boundCidrs }),
      ...(p.authMountAccessor === undefined ? {} : { authMountAccessor: p.authMountAccessor }),
      ...(p.authInternalData === undefined ? {} : { authInternalData: p.authInternalData }),
    });
    if (created.entry.expireTime !== 0) {
      const salted = this.store.saltedId(created.id);
      const now = nowSeconds();
      await this.expiration.register({
        leaseId: tokenLeaseId(created.entry, salted),
        kind: 'token',
        path: created.entry.path,
        mountPrefix: 'auth/token/',
        tokenSalted: salted,
        internalData: {},
        issueTime: now,
        lastRenewal: 0,
        expireTime: created.entry.expireTime,
        maxExpireTime: ttl.maxTtl === 0 ? 0 : now + ttl.maxTtl,
        renewable: created.entry.renewable,
      });
    }
    return { id: created.id, entry: created.entry, warnings: ttl.warnings };
  }

  /** Renews a token's lease by `increment` (or its period / creation TTL). */
  async renew(salted: string, entry: TokenEntry, increment: number, mountMax: number): Promise<TokenEntry> {
    if (!entry.renewable || entry.expireTime === 0) throw new InvalidRequestError('lease is not renewable');
    const now = nowSeconds();
    const leaseId = tokenLeaseId(entry, salted);
    const lease = await this.expiration.lookup(leaseId);
    let wanted = entry.period > 0 ? entry.period : increment > 0 ? increment : entry.creationTtl;
    if (entry.period === 0 && mountMax > 0) wanted = Math.min(wanted, mountMax);
    let expire = now + wanted;
    if (lease !== undefined && lease.maxExpireTime !== 0) expire = Math.min(expire, lease.maxExpireTime);
    if (lease !== undefined) {
      await this.expiration.renew(leaseId, expire - now, wanted);
    }
    // From the stored entry as it is now: a use counted meanwhile must not come back.
    const next = await this.store.modify(salted, (current) => ({
      ...current,
      expireTime: expire,
      lastRenewal: now,
    }));
    if (next === undefined) throw new InvalidRequestError('token not found');
    return next;
  }
}
