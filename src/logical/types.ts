/**
 * The contract between the request pipeline and engines (secrets engines and auth methods).
 * Engines import this and framework/, never core/.
 */

/** Vault's logical operations. HTTP maps GET→read, LIST/GET?list→list, POST/PUT→create|update, PATCH, DELETE. */
export type Operation = 'read' | 'list' | 'create' | 'update' | 'patch' | 'delete';

/** Storage as an engine sees it: already behind the barrier and scoped to the mount's view. */
export interface Storage {
  get(key: string): Promise<Buffer | undefined>;
  put(key: string, value: Buffer): Promise<void>;
  delete(key: string): Promise<void>;
  /** One level; folders end in "/". */
  list(prefix: string): Promise<string[]>;
}

export interface Auth {
  policies: string[];
  /** Seconds; 0 = the mount/system default. */
  ttl?: number;
  maxTtl?: number;
  period?: number;
  renewable?: boolean;
  numUses?: number;
  displayName?: string;
  metadata?: Record<string, string>;
  noDefaultPolicy?: boolean;
  boundCidrs?: string[];
  /** Login info for later renewals (e.g. the role name). */
  internalData?: Record<string, unknown>;
}

export interface Secret {
  /** Seconds; 0 = mount default. */
  ttl: number;
  maxTtl?: number;
  renewable: boolean;
  /** Data kept with the lease and handed back on renew/revoke. */
  internalData?: Record<string, unknown>;
}

export interface LogicalRequest {
  readonly id: string;
  readonly operation: Operation;
  /** Path relative to the mount. */
  readonly path: string;
  /** Full request path as the client sent it, without /v1/. */
  readonly fullPath: string;
  readonly mountPoint: string;
  readonly data: Record<string, unknown>;
  readonly storage: Storage;
  readonly clientToken: string;
  readonly remoteAddress: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Present when the caller authenticated with a token. */
  readonly tokenEntry?: { readonly accessor: string; readonly policies: readonly string[]; readonly cubbyholeId: string };
  readonly connection?: { readonly peerCertificates?: readonly Buffer[] };
}

export interface LogicalResponse {
  data?: Record<string, unknown> | null;
  auth?: Auth;
  secret?: Secret;
  warnings?: string[];
  /** Raw HTTP response (sys/wrapping/unwrap of a non-JSON body, metrics). */
  raw?: { status: number; contentType: string; body: Buffer | string };
  /** Force a status (404 with a body for deleted kv-v2 versions). */
  statusCode?: number;
}
