import type { LogicalResponse, Operation } from '../logical/types.js';

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

/**
 * What the backends built into core (sys/, auth/token/) may answer: an engine response plus the
 * fields only core sets. Engines return LogicalResponse (src/logical/types.ts), which has none of
 * them; every LogicalResponse is a CoreResponse with these left unset.
 */
export interface CoreResponse extends LogicalResponse {
  /** Raw HTTP response (sys/wrapping/unwrap returns the wrapped document verbatim). */
  raw?: { status: number; contentType: string; body: Buffer | string };
  /** The auth block of a token the token backend issued itself (auth/token/create*, renewals). */
  issuedAuth?: Record<string, unknown>;
  /** A wrap_info the system backend produced itself (sys/wrapping/rewrap). */
  wrapInfo?: Record<string, unknown>;
  /** An existing lease this response reports on (lease renewals): passed through to the envelope. */
  lease?: { readonly leaseId: string; readonly ttl: number; readonly renewable: boolean };
  /** Copy every `data` key to the envelope's top level too (Vault does so for many sys/ paths). */
  topLevel?: boolean;
}

/** The handled result, ready for the HTTP envelope. */
export interface HandledResponse {
  /** The backend's answer; undefined when it had none, when it was wrapped, and for `notFound`. */
  readonly response: CoreResponse | undefined;
  /** The backend answered a bare not-found (src/logical/not-found.ts): 404 `{"errors":[]}` for any operation. */
  readonly notFound: boolean;
  readonly auth: Record<string, unknown> | null;
  readonly leaseId: string;
  readonly leaseDuration: number;
  readonly renewable: boolean;
  readonly wrapInfo: Record<string, unknown> | null;
  readonly warnings: string[];
}
