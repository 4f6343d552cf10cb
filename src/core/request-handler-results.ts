import { InvalidRequestError } from '../helper/errors.js';
import { isNotFound } from '../logical/not-found.js';
import type { ExpirationManager } from './expiration/expiration-manager.js';
import type { TokenIssuer } from './token/token-issuer.js';
import type { TokenStore } from './token/token-store.js';
import { nowSeconds } from './token/token-entry.js';
import { authBlock } from './token/auth-block.js';
import { computeTtl } from './token/ttl.js';
import type { CoreResponse, HandledResponse, IncomingRequest } from './request-handler-types.js';

/** What the result stages need from core. */
export interface ResultDeps {
  readonly tokens: TokenStore;
  readonly issuer: TokenIssuer;
  readonly expiration: ExpirationManager;
  readonly mountTtls: (prefix: string) => { defaultLeaseTtl: number; maxLeaseTtl: number };
}

/** One request after its backend answered, as the result stages see it. */
export interface Answered {
  readonly req: IncomingRequest;
  readonly mountPrefix: string;
  /** The auth mount's accessor, for logins (tokens remember which method issued them). */
  readonly mountAccessor: string | undefined;
  /** Whether the request carried a live token (its salted id owns the leases registered). */
  readonly authenticated: boolean;
  /** The request spent the last use of a limited-use token. */
  readonly lastUse: boolean;
  readonly response: CoreResponse | undefined;
}

/** The backend's answer as a handled response, before token issue and lease registration. */
export function handledFrom(response: CoreResponse | undefined): HandledResponse {
  const notFound = isNotFound(response);
  const r = notFound ? undefined : response;
  return {
    response: r,
    notFound,
    auth: r?.issuedAuth ?? null,
    leaseId: r?.lease?.leaseId ?? '',
    leaseDuration: r?.lease?.ttl ?? 0,
    renewable: r?.lease?.renewable ?? false,
    wrapInfo: r?.wrapInfo ?? null,
    warnings: [...(r?.warnings ?? [])],
  };
}

/** Stage "token issue": a login's `auth` becomes a token, reported as the envelope's auth block. */
export async function issueToken(d: ResultDeps, a: Answered, h: HandledResponse): Promise<HandledResponse> {
  const login = a.response?.auth;
  if (login === undefined || h.notFound) return h;
  const ttls = d.mountTtls(a.mountPrefix);
  const issued = await d.issuer.issue({
    policies: login.policies,
    ...(login.noDefaultPolicy === undefined ? {} : { noDefaultPolicy: login.noDefaultPolicy }),
    meta: login.metadata ?? null,
    displayName: login.displayName ?? a.mountPrefix.replace(/^auth\//, '').replace(/\/$/, ''),
    numUses: login.numUses ?? 0,
    ttl: login.ttl ?? 0,
    explicitMaxTtl: login.explicitMaxTtl ?? 0,
    period: login.period ?? 0,
    renewable: login.renewable ?? true,
    path: a.req.path,
    defaultTtl: ttls.defaultLeaseTtl,
    maxTtl:
      login.maxTtl !== undefined && login.maxTtl > 0
        ? Math.min(login.maxTtl, ttls.maxLeaseTtl)
        : ttls.maxLeaseTtl,
    ...(login.boundCidrs === undefined ? {} : { boundCidrs: login.boundCidrs }),
    ...(a.mountAccessor === undefined ? {} : { authMountAccessor: a.mountAccessor }),
    ...(login.internalData === undefined ? {} : { authInternalData: login.internalData }),
  });
  // A token the backend issued itself (issuedAuth) wins over the login's, as it always did.
  const auth = a.response?.issuedAuth ?? authBlock(issued.id, issued.entry, issued.entry.creationTime);
  return { ...h, auth, warnings: [...h.warnings, ...issued.warnings] };
}

/** Stage "lease registration": a leased secret gets a lease id, TTL and expiry entry. */
export async function registerLease(
  d: ResultDeps,
  a: Answered,
  h: HandledResponse,
): Promise<HandledResponse> {
  const s = a.response?.secret;
  if (s === undefined || h.notFound) return h;
  const ttls = d.mountTtls(a.mountPrefix);
  const ttl = computeTtl({
    requested: s.ttl,
    period: 0,
    explicitMax: s.maxTtl ?? 0,
    defaultTtl: ttls.defaultLeaseTtl,
    maxTtl: ttls.maxLeaseTtl,
  });
  let leased: Pick<HandledResponse, 'leaseId' | 'leaseDuration' | 'renewable'> = {
    leaseId: '',
    leaseDuration: ttl.ttl,
    renewable: false,
  };
  if (s.renewable || s.internalData !== undefined) {
    if (a.lastUse)
      throw new InvalidRequestError(
        'a leased secret cannot be returned on the last use of a limited-use token',
      );
    const now = nowSeconds();
    const leaseId = d.expiration.newLeaseId(a.req.path);
    await d.expiration.register({
      leaseId,
      kind: 'secret',
      path: a.req.path,
      mountPrefix: a.mountPrefix,
      tokenSalted: a.authenticated ? d.tokens.saltedId(a.req.clientToken) : '',
      internalData: s.internalData ?? {},
      issueTime: now,
      lastRenewal: 0,
      expireTime: ttl.ttl === 0 ? 0 : now + ttl.ttl,
      maxExpireTime: ttl.maxTtl === 0 ? 0 : now + ttl.maxTtl,
      renewable: s.renewable,
    });
    leased = { leaseId, leaseDuration: ttl.ttl, renewable: s.renewable };
  }
  // An existing lease the backend reports on (renewals) wins, as it always did.
  const lease = a.response?.lease;
  return lease === undefined ? { ...h, ...leased } : h;
}
