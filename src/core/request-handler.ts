import type { LogicalBackend, LogicalRequest, LogicalResponse, Operation } from '../logical/types.js';
import type { Logger } from '../helper/logger.js';
import { InvalidRequestError, LoginFailedError, PermissionDeniedError, SealedError, UnsupportedPathError } from '../helper/errors.js';
import type { UserLockout } from './lockout/user-lockout.js';
import { lockoutSettings } from './lockout/settings.js';
import type { LockoutDefaults } from './lockout/settings.js';
import { LOCKOUT_TYPES } from './lockout/user-lockout.js';
import type { MountEntry } from './routing/mount-entry.js';
import { uuid } from '../helper/random.js';
import type { NodeState } from './node-state.js';
import type { Router } from './routing/router.js';
import type { TokenStore } from './token/token-store.js';
import type { TokenIssuer } from './token/token-issuer.js';
import type { TokenEntry } from './token/token-entry.js';
import { nowSeconds } from './token/token-entry.js';
import { authBlock } from './token/auth-block.js';
import type { ExpirationManager } from './expiration/expiration-manager.js';
import type { Wrapper } from './wrapping/wrapper.js';
import { assertCleanRequestPath, matchesSpecialPath } from './special-paths.js';
import { computeTtl } from './token/ttl.js';
import { KeyedMutex } from '../helper/keyed-mutex.js';
import type { TokenCheck } from './token-check.js';

/** A request as the HTTP layer hands it over. */
export interface IncomingRequest {
  readonly operation: Operation;
  /** Without /v1/; list requests end in "/". */
  readonly path: string;
  readonly data: Record<string, unknown>;
  readonly clientToken: string;
  readonly remoteAddress: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly wrapTtl?: number;
  readonly peerCertificates?: readonly Buffer[];
}

/** The handled result, ready for the HTTP envelope. */
export interface HandledResponse {
  readonly response: LogicalResponse | undefined;
  readonly auth: Record<string, unknown> | null;
  readonly leaseId: string;
  readonly leaseDuration: number;
  readonly renewable: boolean;
  readonly wrapInfo: Record<string, unknown> | null;
  readonly warnings: string[];
}

export interface RequestHandlerDeps {
  readonly state: NodeState;
  readonly router: Router;
  readonly tokens: TokenStore;
  readonly tokenCheck: TokenCheck;
  readonly issuer: TokenIssuer;
  readonly expiration: ExpirationManager;
  readonly wrapper: Wrapper;
  readonly lockout: UserLockout;
  readonly lockoutDefaults: LockoutDefaults;
  readonly mountTtls: (prefix: string) => { defaultLeaseTtl: number; maxLeaseTtl: number };
  readonly logger: Logger;
}

/**
 * The request pipeline: state check → route → token (and its use count) → existence check →
 * ACL → engine → token issue / lease registration → response wrapping.
 */
export class RequestHandler {
  /** Serialises the logins of one identity (per auth mount) while lockout applies. */
  private readonly loginLocks = new KeyedMutex();

  constructor(private readonly d: RequestHandlerDeps) {}

  async handle(req: IncomingRequest): Promise<HandledResponse> {
    if (!this.d.state.unsealed) throw new SealedError();
    assertCleanRequestPath(req.path);
    const match = this.d.router.match(req.path);
    if (match === undefined) throw new UnsupportedPathError(req.path);
    const { route, relative } = match;
    const special = route.backend.specialPaths;
    const unauthenticated = matchesSpecialPath(special?.unauthenticated, relative);

    let entry: TokenEntry | undefined;
    let operation = req.operation;
    let lastUse = false;
    const base = {
      id: uuid(),
      fullPath: req.path,
      mountPoint: route.prefix,
      data: req.data,
      storage: route.storage,
      clientToken: req.clientToken,
      remoteAddress: req.remoteAddress,
      headers: req.headers,
      ...(req.peerCertificates === undefined ? {} : { connection: { peerCertificates: req.peerCertificates } }),
      ...(req.wrapTtl === undefined ? {} : { wrapTtl: req.wrapTtl }),
    };

    // Unauthenticated paths (logins, wrapping lookup) ignore a missing or stale token.
    if (req.clientToken !== '') entry = await this.d.tokens.lookup(req.clientToken);
    if (!unauthenticated) {
      const backend = route.backend;
      const grant = await this.d.tokenCheck.authorize(
        {
          token: req.clientToken,
          path: req.path,
          operation,
          remoteAddress: req.remoteAddress,
          needsSudo: matchesSpecialPath(special?.root, relative),
          data: req.data,
          wrapTtl: req.wrapTtl,
          ...(operation === 'update' && backend.existenceCheck !== undefined
            ? {
                resolveOperation: async (e: TokenEntry) =>
                  (await backend.existenceCheck?.({ ...base, operation, path: relative, ...this.tokenFields(e) })) === false ? 'create' : operation,
              }
            : {}),
        },
        entry,
      );
      entry = grant.entry;
      operation = grant.operation;
      lastUse = grant.lastUse;
    }

    const logical: LogicalRequest = {
      ...base,
      operation,
      path: relative,
      ...(entry === undefined ? {} : this.tokenFields(entry)),
    };
    let response: LogicalResponse | undefined;
    try {
      const lockoutId = await this.lockoutIdentity(route.entry, route.backend, logical);
      response =
        lockoutId === undefined
          ? await route.backend.handleRequest(logical)
          : await this.loginWithLockout(route.entry, route.prefix, lockoutId, () => route.backend.handleRequest(logical));
    } finally {
      if (lastUse) await this.d.tokens.revokeTree(req.clientToken);
    }
    return this.finish(req, route.prefix, response, entry, lastUse, route.entry.table === 'auth' ? route.entry.accessor : undefined);
  }

  /**
   * A login subject to user lockout: check, authenticate and record run one at a time per
   * identity, so a burst of concurrent guesses is counted guess by guess and a right guess that
   * arrives after the identity locked is refused like any other.
   */
  private loginWithLockout(
    mount: MountEntry,
    prefix: string,
    identity: string,
    login: () => Promise<LogicalResponse | undefined>,
  ): Promise<LogicalResponse | undefined> {
    const settings = lockoutSettings(mount, this.d.lockoutDefaults);
    return this.loginLocks.run(`${mount.accessor}\u0000${identity}`, async () => {
      if (await this.d.lockout.isLocked(mount.accessor, identity, settings)) {
        this.d.logger.warn({ mount: prefix }, 'login refused: identity is locked out');
        throw new PermissionDeniedError();
      }
      let response: LogicalResponse | undefined;
      try {
        response = await login();
      } catch (err) {
        if (err instanceof LoginFailedError && (await this.d.lockout.recordFailure(mount.accessor, identity, settings))) {
          this.d.logger.warn({ mount: prefix }, 'identity locked out after repeated login failures');
        }
        throw err;
      }
      if (response?.auth !== undefined) await this.d.lockout.recordSuccess(mount.accessor, identity);
      return response;
    });
  }

  private async lockoutIdentity(entry: MountEntry, backend: LogicalBackend, req: LogicalRequest): Promise<string | undefined> {
    if (entry.table !== 'auth' || !LOCKOUT_TYPES.has(entry.type) || backend.loginIdentifier === undefined) return undefined;
    const id = await backend.loginIdentifier(req);
    return id === undefined || id === '' ? undefined : id;
  }

  private tokenFields(entry: TokenEntry): Pick<LogicalRequest, 'tokenEntry'> {
    return { tokenEntry: { accessor: entry.accessor, policies: entry.policies, cubbyholeId: entry.cubbyholeId } };
  }

  private async finish(
    req: IncomingRequest,
    mountPrefix: string,
    response: LogicalResponse | undefined,
    caller: TokenEntry | undefined,
    lastUse: boolean,
    mountAccessor: string | undefined,
  ): Promise<HandledResponse> {
    const warnings = [...(response?.warnings ?? [])];
    let auth: Record<string, unknown> | null = null;
    let leaseId = '';
    let leaseDuration = 0;
    let renewable = false;
    const ttls = this.d.mountTtls(mountPrefix);

    if (response?.auth !== undefined) {
      const a = response.auth;
      const issued = await this.d.issuer.issue({
        policies: a.policies,
        ...(a.noDefaultPolicy === undefined ? {} : { noDefaultPolicy: a.noDefaultPolicy }),
        meta: a.metadata ?? null,
        displayName: a.displayName ?? mountPrefix.replace(/^auth\//, '').replace(/\/$/, ''),
        numUses: a.numUses ?? 0,
        ttl: a.ttl ?? 0,
        explicitMaxTtl: a.explicitMaxTtl ?? 0,
        period: a.period ?? 0,
        renewable: a.renewable ?? true,
        path: req.path,
        defaultTtl: ttls.defaultLeaseTtl,
        maxTtl: a.maxTtl !== undefined && a.maxTtl > 0 ? Math.min(a.maxTtl, ttls.maxLeaseTtl) : ttls.maxLeaseTtl,
        ...(a.boundCidrs === undefined ? {} : { boundCidrs: a.boundCidrs }),
        ...(mountAccessor === undefined ? {} : { authMountAccessor: mountAccessor }),
        ...(a.internalData === undefined ? {} : { authInternalData: a.internalData }),
      });
      warnings.push(...issued.warnings);
      auth = authBlock(issued.id, issued.entry);
    }

    if (response?.secret !== undefined) {
      const s = response.secret;
      const ttl = computeTtl({ requested: s.ttl, period: 0, explicitMax: s.maxTtl ?? 0, defaultTtl: ttls.defaultLeaseTtl, maxTtl: ttls.maxLeaseTtl });
      leaseDuration = ttl.ttl;
      if (s.renewable || s.internalData !== undefined) {
        if (lastUse) throw new InvalidRequestError('a leased secret cannot be returned on the last use of a limited-use token');
        const now = nowSeconds();
        leaseId = this.d.expiration.newLeaseId(req.path);
        renewable = s.renewable;
        await this.d.expiration.register({
          leaseId,
          kind: 'secret',
          path: req.path,
          mountPrefix,
          tokenSalted: caller === undefined ? '' : this.d.tokens.saltedId(req.clientToken),
          internalData: s.internalData ?? {},
          issueTime: now,
          lastRenewal: 0,
          expireTime: ttl.ttl === 0 ? 0 : now + ttl.ttl,
          maxExpireTime: ttl.maxTtl === 0 ? 0 : now + ttl.maxTtl,
          renewable: s.renewable,
        });
      }
    }

    if (response?.issuedAuth !== undefined) auth = response.issuedAuth;
    if (response?.lease !== undefined) {
      leaseId = response.lease.leaseId;
      leaseDuration = response.lease.ttl;
      renewable = response.lease.renewable;
    }

    const handled: HandledResponse = {
      response,
      auth,
      leaseId,
      leaseDuration,
      renewable,
      wrapInfo: response?.wrapInfo ?? null,
      warnings,
    };
    if (req.wrapTtl !== undefined && req.wrapTtl > 0 && response !== undefined && response.raw === undefined) {
      return this.d.wrapper.wrapHandled(handled, req.wrapTtl, req.path);
    }
    return handled;
  }
}
