import type { Storage } from '../../logical/types.js';
import { InvalidRequestError } from '../../helper/errors.js';
import type { TokenStore } from '../token/token-store.js';
import type { TokenIssuer } from '../token/token-issuer.js';

/** What a wrapping token guards, kept behind the barrier under its cubbyhole id. */
interface Wrapped {
  readonly response: string;
  readonly creationTime: string;
  readonly creationTtl: number;
  readonly creationPath: string;
}

const INVALID = 'wrapping token is not valid or does not exist';

/**
 * Response wrapping: the would-be response is stored for a new single-use, orphan token carrying
 * only the `response-wrapping` policy; unwrapping returns it verbatim and revokes the token.
 *
 * Single use is atomic: unwrap and rewrap spend the token's one use through the token store
 * (TokenStore.use, under its lock per token, which any other use of the token also goes through)
 * before anything is returned. Of any number of concurrent unwraps and rewraps of one token exactly
 * one gets the response. Only the active node serves these (standbys forward), so the in-process
 * lock holds on every storage.
 */
export class Wrapper {
  constructor(
    private readonly storage: Storage, // sys/wrapping/ view
    private readonly tokens: TokenStore,
    private readonly issuer: TokenIssuer,
    /** The longest TTL a wrapping token may have (the token store's max lease TTL); 0 = no cap. */
    private readonly maxTtl: () => number = () => 0,
  ) {
    tokens.onRevoke(async (_salted, entry) => {
      if (entry.policies.includes('response-wrapping')) await this.storage.delete(entry.cubbyholeId);
    });
  }

  /** Wraps any JSON document (sys/wrapping/wrap, or a response: src/core/request-handler-wrap.ts). */
  async wrap(
    document: unknown,
    requestedTtl: number,
    creationPath: string,
    wrappedAccessor?: string,
  ): Promise<Record<string, unknown>> {
    const max = this.maxTtl();
    // Capped at the max TTL, as every token TTL is (durations past it were refused at parse time).
    const ttl = max > 0 ? Math.min(requestedTtl, max) : requestedTtl;
    const issued = await this.issuer.issueResponseWrapping({ ttl, path: 'sys/wrapping/wrap' });
    const creationTime = new Date().toISOString();
    const wrapped: Wrapped = {
      response: JSON.stringify(document),
      creationTime,
      creationTtl: ttl,
      creationPath,
    };
    await this.storage.put(issued.entry.cubbyholeId, Buffer.from(JSON.stringify(wrapped), 'utf8'));
    const info: Record<string, unknown> = {
      token: issued.id,
      accessor: issued.entry.accessor,
      ttl,
      creation_time: creationTime,
      creation_path: creationPath,
    };
    if (wrappedAccessor !== undefined) info.wrapped_accessor = wrappedAccessor;
    return info;
  }

  /** Returns the wrapped document (JSON text) and revokes the wrapping token. */
  unwrap(token: string): Promise<string> {
    return this.consume(token, (wrapped) => Promise.resolve(wrapped.response));
  }

  /** What a wrapping token guards, without spending its use. */
  async lookup(
    token: string,
  ): Promise<{ creation_ttl: number; creation_time: string; creation_path: string }> {
    const { wrapped } = await this.load(token);
    return {
      creation_ttl: wrapped.creationTtl,
      creation_time: wrapped.creationTime,
      creation_path: wrapped.creationPath,
    };
  }

  /** Moves the wrapped document to a new wrapping token with the same TTL and path. */
  rewrap(token: string): Promise<Record<string, unknown>> {
    return this.consume(token, (wrapped) =>
      this.wrap(JSON.parse(wrapped.response) as unknown, wrapped.creationTtl, wrapped.creationPath),
    );
  }

  /**
   * Spends the single use of a wrapping token, then hands its document to `then`; the token is
   * revoked whatever `then` does. The use is counted by the token store, so a token already spent
   * (by a concurrent unwrap or rewrap, or by a request that presented it) is refused.
   */
  private async consume<T>(token: string, then: (wrapped: Wrapped) => Promise<T>): Promise<T> {
    const { wrapped } = await this.load(token);
    const use = await this.tokens.use(token);
    if (use?.last !== true) throw new InvalidRequestError(INVALID);
    try {
      return await then(wrapped);
    } finally {
      await this.tokens.revokeTree(token);
    }
  }

  private async load(token: string): Promise<{ wrapped: Wrapped }> {
    if (token === '') throw new InvalidRequestError(INVALID);
    const entry = await this.tokens.lookup(token);
    if (entry?.policies.includes('response-wrapping') !== true) throw new InvalidRequestError(INVALID);
    const raw = await this.storage.get(entry.cubbyholeId);
    if (raw === undefined) throw new InvalidRequestError(INVALID);
    return { wrapped: JSON.parse(raw.toString('utf8')) as Wrapped };
  }
}
