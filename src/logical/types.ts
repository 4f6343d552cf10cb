/**
 * The contract between the request pipeline and engines (secrets engines and auth methods).
 * Engines import this and framework/, never core/.
 */
import type { AuditDeviceFactory } from './audit.js';

/** Vault's logical operations. HTTP maps GET→read, LIST/GET?list→list, POST/PUT→create|update, PATCH, DELETE. */
export type Operation = 'read' | 'list' | 'create' | 'update' | 'patch' | 'delete';

/** One operation of a storage transaction. */
export type StorageOp =
  | { readonly op: 'put'; readonly key: string; readonly value: Buffer }
  | { readonly op: 'delete'; readonly key: string };

/** Storage as an engine sees it: already behind the barrier and scoped to the mount's view. */
export interface Storage {
  get(key: string): Promise<Buffer | undefined>;
  put(key: string, value: Buffer): Promise<void>;
  delete(key: string): Promise<void>;
  /** One level; folders end in "/". */
  list(prefix: string): Promise<string[]>;
  /**
   * Applies every operation or none, as one write of the physical storage (one fenced Consul
   * transaction, one commit of file storage). Absent where the storage cannot; callers then write
   * one by one, in an order that is safe to interrupt. Consul bounds a transaction (63 operations,
   * 512 KiB encoded): keep large values out of it.
   */
  transaction?(ops: readonly StorageOp[]): Promise<void>;
}

export interface Auth {
  policies: string[];
  /** Seconds; 0 = the mount/system default. */
  ttl?: number;
  maxTtl?: number;
  /** A hard limit of the token (explicit_max_ttl), independent of the mount's max. */
  explicitMaxTtl?: number;
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
  readonly tokenEntry?: {
    readonly accessor: string;
    readonly policies: readonly string[];
    readonly cubbyholeId: string;
  };
  readonly connection?: { readonly peerCertificates?: readonly Buffer[] };
  /** Seconds the client asked the response to be wrapped for (X-Vault-Wrap-TTL), if any. */
  readonly wrapTtl?: number;
}

/**
 * What an engine answers. Only engine-level facts: what core adds on the way out (issued tokens'
 * auth blocks, lease bookkeeping, wrap info, raw bodies, sys/ top-level copies) lives in the
 * core-side response (src/core/request-handler-types.ts), which engines never see.
 *
 * Not found is a value, never an exception:
 * - nothing there: return `undefined`, as a Vault backend returns a nil response. A read or list
 *   then answers 404 `{"errors":[]}`; any other operation answers 204.
 * - an operation other than read and list that must answer 404 (a patch of a missing key) returns
 *   `notFound()` (src/logical/not-found.ts), Vault's `RespondWithStatusCode(nil, req, 404)`:
 *   404 `{"errors":[]}` too, never wrapped.
 * - a 404 that carries a body (kv v2 deleted or destroyed versions, v1-style paths on kv v2) sets
 *   `statusCode: 404` next to its `data` or `warnings`: the envelope is sent with that status.
 */
export interface LogicalResponse {
  data?: Record<string, unknown> | null;
  auth?: Auth;
  secret?: Secret;
  warnings?: string[];
  /** Force a status: 404 for not found (see above), with a body for deleted kv-v2 versions. */
  statusCode?: number;
  /** When this response is wrapped: the accessor to report as wrap_info.wrapped_accessor (approle secret-ids). */
  wrappedAccessor?: string;
}

/** Paths of a backend with special treatment, as globs relative to the mount ("login", "login/*"). */
export interface SpecialPaths {
  /** Served without a token. */
  readonly unauthenticated?: readonly string[];
  /** Need sudo in addition to the capability. */
  readonly root?: readonly string[];
}

/** A mounted engine as the router sees it. */
export interface LogicalBackend {
  readonly type: string;
  readonly specialPaths?: SpecialPaths;
  handleRequest(req: LogicalRequest): Promise<LogicalResponse | undefined>;
  /** Whether the item a create/update targets exists (undefined: the path has no existence check). */
  existenceCheck?(req: LogicalRequest): Promise<boolean | undefined>;
  /** Called when a lease of this backend is renewed/revoked. */
  renewSecret?(
    req: LogicalRequest,
    internalData: Record<string, unknown>,
  ): Promise<LogicalResponse | undefined>;
  revokeSecret?(req: LogicalRequest, internalData: Record<string, unknown>): Promise<void>;
  /** Called once the mount is removed: clean up everything. */
  cleanup?(storage: Storage): Promise<void>;
  /**
   * For login requests of auth methods with user lockout (userpass, ldap, approle): the identity
   * the attempt is for (username, role_id), or undefined when the request is not a login. The
   * pipeline counts failed logins (400 answers) per identity and refuses locked ones.
   */
  loginIdentifier?(req: LogicalRequest): Promise<string | undefined>;
  /**
   * Called when a token this auth method issued is renewed, with what the login stored in
   * `Auth.internalData` and the token's policies: throw (400) to refuse the renewal — the user or
   * role is gone, or its policies changed — as Vault's auth methods do.
   */
  renewAuth?(
    storage: Storage,
    auth: { readonly internalData: Record<string, unknown>; readonly policies: readonly string[] },
  ): Promise<void>;
}

/** What a factory receives when a mount is created or loaded. */
export interface BackendConfig {
  readonly mountPath: string;
  readonly options: Readonly<Record<string, string>>;
  readonly storage: Storage;
  readonly logger: import('pino').Logger;
  readonly system: SystemView;
}

/** The narrow view of the core that engines may use. */
export interface SystemView {
  readonly defaultLeaseTtl: number;
  readonly maxLeaseTtl: number;
  mountLeaseTtls(mountPath: string): { defaultLeaseTtl: number; maxLeaseTtl: number };
}

export type BackendFactory = (config: BackendConfig) => Promise<LogicalBackend> | LogicalBackend;

/** Engines and auth methods available to mount, by type. */
export interface BackendCatalog {
  readonly mounts: ReadonlyMap<string, BackendFactory>;
  readonly auth: ReadonlyMap<string, BackendFactory>;
  /** Audit device types (src/logical/audit.ts). */
  readonly audit: ReadonlyMap<string, AuditDeviceFactory>;
  /** Destroys a token's cubbyhole (given the cubbyhole mount's storage). */
  readonly destroyCubbyhole: (storage: Storage, cubbyholeId: string) => Promise<void>;
}
