import type { Operation } from '../logical/types.js';
import type { Logger } from '../helper/logger.js';
import { InvalidRequestError, PermissionDeniedError } from '../helper/errors.js';
import { ipInCidrs } from '../helper/cidr.js';
import type { TokenStore } from './token/token-store.js';
import type { TokenEntry } from './token/token-entry.js';
import type { PolicyStore } from './policy/policy-store.js';

/** One authenticated request, as the token check sees it. */
export interface TokenCheckRequest {
  readonly token: string;
  /** The full request path (mount included), without /v1/: what policies are written against. */
  readonly path: string;
  readonly operation: Operation;
  /** The client's address (after trusted forwarding), checked against the token's bound CIDRs. */
  readonly remoteAddress: string;
  /** The path is sudo-protected: the sudo capability is required too. */
  readonly needsSudo: boolean;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly wrapTtl?: number | undefined;
  /**
   * Decides the operation once the token is known to be valid (the pipeline's existence check
   * turns an update of something absent into a create); defaults to `operation`.
   */
  readonly resolveOperation?: (entry: TokenEntry) => Promise<Operation>;
}

/** What a successful check grants. */
export interface TokenGrant {
  readonly entry: TokenEntry;
  readonly operation: Operation;
  /** The request spent the token's last use: revoke the token once the request is done. */
  readonly lastUse: boolean;
}

export interface TokenCheckDeps {
  readonly tokens: TokenStore;
  readonly policies: PolicyStore;
  readonly logger: Logger;
  /**
   * A standby answering a node-local operation (sys/seal) cannot write the token store, so it
   * cannot count a use: limited-use tokens are refused there rather than used for free.
   */
  readonly readOnly?: boolean;
}

/**
 * The one token check every authenticated request passes, in the pipeline and in the sys
 * endpoints answered outside it (sys/seal, sys/rotate, sys/key-status, sys/step-down): the token
 * exists and is live, the client is inside its bound CIDRs, its policies grant the operation (and
 * sudo where the path needs it), and only then is one of its uses counted.
 */
export class TokenCheck {
  constructor(private readonly d: TokenCheckDeps) {}

  async authorize(req: TokenCheckRequest, known?: TokenEntry): Promise<TokenGrant> {
    const entry = known ?? (req.token === '' ? undefined : await this.d.tokens.lookup(req.token));
    if (entry === undefined) throw new PermissionDeniedError(req.token !== '');
    if (entry.boundCidrs.length > 0 && !ipInCidrs(req.remoteAddress, entry.boundCidrs)) {
      this.d.logger.warn({ path: req.path }, 'token used from outside its bound CIDRs');
      throw new PermissionDeniedError(true);
    }
    const operation = req.resolveOperation === undefined ? req.operation : await req.resolveOperation(entry);
    const acl = await this.d.policies.acl(entry.policies);
    const decision = acl.allowOperation({
      operation,
      path: req.path,
      data: req.data,
      needsSudo: req.needsSudo,
      wrapTtl: req.wrapTtl,
    });
    if (!decision.allowed) {
      this.d.logger.debug({ path: req.path, operation, reason: decision.reason }, 'permission denied');
      throw new PermissionDeniedError();
    }
    if (entry.numUses === 0) return { entry, operation, lastUse: false };
    if (this.d.readOnly === true) {
      throw new InvalidRequestError('a token with a limited use count can only be used on the active node');
    }
    const use = await this.d.tokens.use(req.token);
    if (use === undefined) throw new PermissionDeniedError(true);
    return { entry, operation, lastUse: use.last };
  }
}
