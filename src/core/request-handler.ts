import type { LogicalBackend, LogicalRequest, LogicalResponse } from '../logical/types.js';
import type { Logger } from '../helper/logger.js';
import {
  LoginFailedError,
  PermissionDeniedError,
  SealedError,
  UnsupportedPathError,
} from '../helper/errors.js';
import type { UserLockout } from './lockout/user-lockout.js';
import { lockoutSettings } from './lockout/settings.js';
import type { LockoutDefaults } from './lockout/settings.js';
import { LOCKOUT_TYPES } from './lockout/user-lockout.js';
import type { MountEntry } from './routing/mount-entry.js';
import { uuid } from '../helper/random.js';
import type { NodeState } from './node-state.js';
import type { Route, Router } from './routing/router.js';
import type { TokenStore } from './token/token-store.js';
import type { TokenIssuer } from './token/token-issuer.js';
import type { TokenEntry } from './token/token-entry.js';
import type { ExpirationManager } from './expiration/expiration-manager.js';
import type { Wrapper } from './wrapping/wrapper.js';
import { assertCleanRequestPath, matchesSpecialPath } from './special-paths.js';
import { KeyedMutex } from '../helper/keyed-mutex.js';
import type { TokenCheck } from './token-check.js';
import type { CoreResponse, HandledResponse, IncomingRequest } from './request-handler-types.js';
import type { ObservedRequest, RequestObserver } from './request-handler-observers.js';
import { RequestObservers } from './request-handler-observers.js';
import type { Answered } from './request-handler-results.js';
import { handledFrom, issueToken, registerLease } from './request-handler-results.js';
import { wrapResponse } from './request-handler-wrap.js';
import type { AuditBroker } from './audit/audit-broker.js';
import type { AuditedRequest } from './audit/audit-entry.js';

export type { CoreResponse, HandledResponse, IncomingRequest } from './request-handler-types.js';
export type { ObservedOutcome, ObservedRequest, RequestObserver } from './request-handler-observers.js';

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
  /** Records every routed request and its answer; with devices enabled, no record means no answer. */
  readonly audit: AuditBroker;
  readonly logger: Logger;
}

/** Stage "route": the node serves, the path is clean, and a mount serves it. */
interface Routed {
  readonly route: Route;
  readonly relative: string;
  readonly unauthenticated: boolean;
}

/** Stage "token check" passed: the request as its backend will see it. */
interface Authorised extends Routed {
  readonly logical: LogicalRequest;
  readonly entry: TokenEntry | undefined;
  readonly lastUse: boolean;
}

/**
 * The request pipeline, in named stages run in this order by `handle()`:
 *
 *   route → token check → audit request → observe request → engine (with lockout for logins) →
 *   token issue → lease registration → wrap → audit response → observe response
 *
 * and the HTTP layer renders the result (src/http/logical-handler.ts). Audit is a stage, not an
 * observer, because it can fail a request (src/core/audit/audit-broker.ts): with devices enabled,
 * a request no device recorded does not reach its backend, and an answer no device recorded is
 * not given. A request refused by the token check is recorded too (its error in both entries).
 * Metrics watch the pipeline through `observe()` (src/core/request-handler-observers.ts).
 */
export class RequestHandler {
  /** Serialises the logins of one identity (per auth mount) while lockout applies. */
  private readonly loginLocks = new KeyedMutex();
  private readonly observers: RequestObservers;

  constructor(private readonly d: RequestHandlerDeps) {
    this.observers = new RequestObservers(d.logger);
  }

  /** Registers an observer of every routed and authorised request; the returned function removes it. */
  observe(observer: RequestObserver): () => void {
    return this.observers.add(observer);
  }

  async handle(req: IncomingRequest): Promise<HandledResponse> {
    const routed = this.route(req);
    let call: Authorised;
    try {
      call = await this.checkToken(req, routed);
    } catch (error) {
      await this.auditRefused(req, routed, error);
      throw error;
    }
    const audited = auditedRequest(req, call);
    await this.d.audit.logRequest(audited);
    const observed = observedRequest(req, call);
    await this.observers.request(observed);
    let handled: HandledResponse;
    try {
      const response = await this.engine(req, call);
      const answered: Answered = {
        req,
        mountPrefix: call.route.prefix,
        mountAccessor: call.route.entry.table === 'auth' ? call.route.entry.accessor : undefined,
        authenticated: call.entry !== undefined,
        lastUse: call.lastUse,
        response,
      };
      handled = handledFrom(response);
      handled = await issueToken(this.d, answered, handled);
      handled = await registerLease(this.d, answered, handled);
      handled = await wrapResponse(this.d.wrapper, req, handled);
    } catch (error) {
      await this.d.audit.logResponse(audited, { error });
      await this.observers.response(observed, { error });
      throw error;
    }
    await this.d.audit.logResponse(audited, { response: handled });
    await this.observers.response(observed, { response: handled });
    return handled;
  }

  /**
   * A request the token check refused: both entries carry its error. Recording them is best
   * effort (the client gets the refusal either way), and a failure to is logged by the broker.
   */
  private async auditRefused(req: IncomingRequest, routed: Routed, error: unknown): Promise<void> {
    const audited: AuditedRequest = {
      id: uuid(),
      request: req,
      operation: req.operation,
      mount: mountOf(routed.route),
    };
    await this.d.audit.logRequest(audited, error).catch(() => undefined);
    await this.d.audit.logResponse(audited, { error }).catch(() => undefined);
  }

  /** Stage "route". */
  private route(req: IncomingRequest): Routed {
    if (!this.d.state.unsealed) throw new SealedError();
    assertCleanRequestPath(req.path);
    const match = this.d.router.match(req.path);
    if (match === undefined) throw new UnsupportedPathError(req.path);
    const { route, relative } = match;
    return {
      route,
      relative,
      unauthenticated: matchesSpecialPath(route.backend.specialPaths?.unauthenticated, relative),
    };
  }

  /**
   * Stage "token check": lookup, bound CIDRs, existence check, ACL and one use counted (token-check.ts).
   * Unauthenticated paths (logins, wrapping lookup) ignore a missing or stale token.
   */
  private async checkToken(req: IncomingRequest, routed: Routed): Promise<Authorised> {
    const { route, relative } = routed;
    const backend = route.backend;
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
      ...(req.peerCertificates === undefined
        ? {}
        : { connection: { peerCertificates: req.peerCertificates } }),
      ...(req.wrapTtl === undefined ? {} : { wrapTtl: req.wrapTtl }),
    };

    if (req.clientToken !== '') entry = await this.d.tokens.lookup(req.clientToken);
    if (!routed.unauthenticated) {
      const grant = await this.d.tokenCheck.authorize(
        {
          token: req.clientToken,
          path: req.path,
          operation,
          remoteAddress: req.remoteAddress,
          needsSudo: matchesSpecialPath(backend.specialPaths?.root, relative),
          data: req.data,
          wrapTtl: req.wrapTtl,
          ...(operation === 'update' && backend.existenceCheck !== undefined
            ? {
                resolveOperation: async (e: TokenEntry) =>
                  (await backend.existenceCheck?.({
                    ...base,
                    operation,
                    path: relative,
                    ...this.tokenFields(e),
                  })) === false
                    ? 'create'
                    : operation,
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
    return { ...routed, logical, entry, lastUse };
  }

  /**
   * Stage "engine": the backend answers (logins of methods with lockout one at a time per
   * identity). A token on its last use is revoked whatever the backend did.
   */
  private async engine(req: IncomingRequest, call: Authorised): Promise<CoreResponse | undefined> {
    const { route, logical } = call;
    try {
      const lockoutId = await this.lockoutIdentity(route.entry, route.backend, logical);
      return lockoutId === undefined
        ? await route.backend.handleRequest(logical)
        : await this.loginWithLockout(route.entry, route.prefix, lockoutId, () =>
            route.backend.handleRequest(logical),
          );
    } finally {
      if (call.lastUse) await this.d.tokens.revokeTree(req.clientToken);
    }
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
        if (
          err instanceof LoginFailedError &&
          (await this.d.lockout.recordFailure(mount.accessor, identity, settings))
        ) {
          this.d.logger.warn({ mount: prefix }, 'identity locked out after repeated login failures');
        }
        throw err;
      }
      if (response?.auth !== undefined) await this.d.lockout.recordSuccess(mount.accessor, identity);
      return response;
    });
  }

  private async lockoutIdentity(
    entry: MountEntry,
    backend: LogicalBackend,
    req: LogicalRequest,
  ): Promise<string | undefined> {
    if (entry.table !== 'auth' || !LOCKOUT_TYPES.has(entry.type) || backend.loginIdentifier === undefined)
      return undefined;
    const id = await backend.loginIdentifier(req);
    return id === undefined || id === '' ? undefined : id;
  }

  private tokenFields(entry: TokenEntry): Pick<LogicalRequest, 'tokenEntry'> {
    return {
      tokenEntry: { accessor: entry.accessor, policies: entry.policies, cubbyholeId: entry.cubbyholeId },
    };
  }
}

/** What audit entries tell of an authorised request. */
function auditedRequest(req: IncomingRequest, call: Authorised): AuditedRequest {
  return {
    id: call.logical.id,
    request: req,
    operation: call.logical.operation,
    mount: mountOf(call.route),
    ...(call.entry === undefined ? {} : { token: call.entry }),
  };
}

/** Where a request was routed, as audit and observers name it. */
function mountOf(route: Route): AuditedRequest['mount'] & ObservedRequest['mount'] {
  const { entry } = route;
  return {
    prefix: route.prefix,
    type: entry.type,
    accessor: entry.accessor,
    table: entry.table,
    ...(entry.config.audit_non_hmac_request_keys === undefined
      ? {}
      : { nonHmacRequestKeys: entry.config.audit_non_hmac_request_keys }),
    ...(entry.config.audit_non_hmac_response_keys === undefined
      ? {}
      : { nonHmacResponseKeys: entry.config.audit_non_hmac_response_keys }),
  };
}

/** What observers are told about an authorised request. */
function observedRequest(req: IncomingRequest, call: Authorised): ObservedRequest {
  return {
    id: call.logical.id,
    request: req,
    operation: call.logical.operation,
    mount: mountOf(call.route),
    ...(call.entry === undefined
      ? {}
      : { token: { accessor: call.entry.accessor, policies: call.entry.policies } }),
  };
}
