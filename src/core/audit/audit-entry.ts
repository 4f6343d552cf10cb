import type { Operation } from '../../logical/types.js';
import { VaultError } from '../../helper/errors.js';
import type { TokenEntry } from '../token/token-entry.js';
import type { HandledResponse, IncomingRequest } from '../request-handler-types.js';
import type { AuditSalt } from './audit-hash.js';
import type { AuditedHeaders } from './audited-headers.js';

/** What an audit entry tells of one request: the request, where it was routed, and whose token. */
export interface AuditedRequest {
  /** The id the backend saw, which pairs the request entry with its response entry. */
  readonly id: string;
  readonly request: IncomingRequest;
  readonly operation: Operation;
  /** Where the router sent it; undefined when it was refused before routing. */
  readonly mount?: {
    readonly prefix: string;
    readonly type: string;
    readonly accessor: string;
    readonly table: 'mounts' | 'auth';
    /** Data keys whose values entries keep in clear (the mount's audit_non_hmac_*_keys). */
    readonly nonHmacRequestKeys?: readonly string[];
    readonly nonHmacResponseKeys?: readonly string[];
  };
  /** The caller's token entry, when the request carried a live one. */
  readonly token?: TokenEntry;
}

/** How a device renders entries (its options). */
export interface EntryOptions {
  /** Hash accessors too (`hmac_accessor`, default true). */
  readonly hmacAccessor: boolean;
  /** Hash nothing (`log_raw`). */
  readonly logRaw: boolean;
  /** On list responses, `keys` and `key_info` become their sizes (`elide_list_responses`). */
  readonly elideListResponses: boolean;
}

type Json = Record<string, unknown>;

/** Go's `omitempty` for the fields of one object: no undefined, null, "", 0, false, [] or {}. */
function omitEmpty(o: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null || v === '' || v === 0 || v === false) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out;
}

/** What the client is told an error was: its message if it may be shown, else "internal error". */
export function auditedError(error: unknown): string {
  if (error instanceof VaultError) return error.expose ? error.message : 'internal error';
  return 'internal error';
}

/** Builds one device's entries: its salt hashes the secrets, its options say which. */
export class EntryFormatter {
  constructor(
    private readonly salt: AuditSalt,
    private readonly o: EntryOptions,
    /** The request headers entries record (sys/config/auditing/request-headers). */
    private readonly headers?: AuditedHeaders,
  ) {}

  /** The configured headers of the request, lowercased, values as lists, hashed where configured. */
  private requestHeaders(a: AuditedRequest): Json | undefined {
    const selected = this.headers?.select(a.request.headers) ?? [];
    if (selected.length === 0) return undefined;
    return Object.fromEntries(
      selected.map((h) => [
        h.key,
        h.hmac && !this.o.logRaw ? h.values.map((v) => this.salt.hash(v)) : [...h.values],
      ]),
    );
  }

  /** The hashes of one request's token and accessor, shared by its two entries. */
  private readonly identity = new WeakMap<AuditedRequest, { token?: string; accessor?: string }>();

  private secret(value: string | undefined): string | undefined {
    if (value === undefined || value === '') return value;
    return this.o.logRaw ? value : this.salt.hash(value);
  }

  private tokenOf(a: AuditedRequest): { token?: string; accessor?: string } {
    let ids = this.identity.get(a);
    if (ids === undefined) {
      const token = this.secret(a.request.clientToken);
      const accessor = this.accessor(a.token?.accessor);
      ids = { ...(token === undefined ? {} : { token }), ...(accessor === undefined ? {} : { accessor }) };
      this.identity.set(a, ids);
    }
    return ids;
  }

  private accessor(value: string | undefined): string | undefined {
    return this.o.hmacAccessor ? this.secret(value) : value;
  }

  private data(value: unknown, keep: readonly string[] | undefined): unknown {
    if (this.o.logRaw) return value;
    return this.salt.hashData(value, keep === undefined || keep.length === 0 ? undefined : new Set(keep));
  }

  /** The `auth` object: the caller's token (a request without one shows only its token type). */
  private auth(a: AuditedRequest): Json {
    const t = a.token;
    if (t === undefined) return { token_type: 'default', policy_results: { allowed: true } };
    const now = Math.floor(Date.now() / 1000);
    const ids = this.tokenOf(a);
    return omitEmpty({
      client_token: ids.token,
      accessor: ids.accessor,
      display_name: t.displayName,
      policies: t.policies,
      token_policies: t.policies,
      metadata: t.meta ?? undefined,
      token_type: t.type,
      token_ttl: t.expireTime === 0 ? 0 : Math.max(0, t.expireTime - now),
      token_issue_time: new Date(t.creationTime * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      remaining_uses: t.numUses > 0 ? t.numUses : undefined,
      policy_results: { allowed: true },
    });
  }

  private mountFields(a: AuditedRequest): Json {
    const m = a.mount;
    if (m === undefined) return {};
    return {
      mount_point: m.prefix,
      mount_type: m.type,
      mount_accessor: m.accessor,
      mount_class: m.table === 'auth' ? 'auth' : 'secret',
    };
  }

  private request(a: AuditedRequest): Json {
    const r = a.request;
    const ids = this.tokenOf(a);
    return omitEmpty({
      id: a.id,
      operation: a.operation,
      ...this.mountFields(a),
      client_token: ids.token,
      client_token_accessor: ids.accessor,
      namespace: { id: 'root' },
      path: r.path,
      data: Object.keys(r.data).length === 0 ? undefined : this.data(r.data, a.mount?.nonHmacRequestKeys),
      remote_address: r.remoteAddress,
      wrap_ttl: r.wrapTtl,
      headers: this.requestHeaders(a),
    });
  }

  /** The entry written before the backend runs (or with `error`, for a request refused before it). */
  requestEntry(a: AuditedRequest, error?: unknown): Json {
    return omitEmpty({
      time: new Date().toISOString(),
      type: 'request',
      auth: this.auth(a),
      request: this.request(a),
      error: error === undefined ? undefined : auditedError(error),
    });
  }

  /** The entry written once the request is answered, or failed with `error`. */
  responseEntry(a: AuditedRequest, outcome: { response: HandledResponse } | { error: unknown }): Json {
    const base = {
      time: new Date().toISOString(),
      type: 'response',
      auth: this.auth(a),
      request: this.request(a),
    };
    if ('error' in outcome) return omitEmpty({ ...base, error: auditedError(outcome.error) });
    return omitEmpty({ ...base, response: this.response(a, outcome.response) });
  }

  private response(a: AuditedRequest, h: HandledResponse): Json {
    let data: unknown = h.response?.raw === undefined ? (h.response?.data ?? undefined) : undefined;
    if (this.o.elideListResponses && a.operation === 'list' && data !== null && typeof data === 'object')
      data = elideList(data as Json);
    return omitEmpty({
      ...this.mountFields(a),
      auth: h.auth === null ? undefined : this.issuedAuth(h.auth),
      secret: h.leaseId === '' ? undefined : { lease_id: h.leaseId },
      data: data === undefined ? undefined : this.data(data, a.mount?.nonHmacResponseKeys),
      warnings: h.warnings,
      wrap_info: h.wrapInfo === null ? undefined : this.wrapInfo(h.wrapInfo),
    });
  }

  /** A token the response issued (a login, a token create), as Vault's audit shows it. */
  private issuedAuth(auth: Json): Json {
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    return omitEmpty({
      client_token: this.secret(str(auth.client_token)),
      accessor: this.accessor(str(auth.accessor)),
      display_name: auth.display_name,
      policies: auth.policies,
      token_policies: auth.token_policies,
      metadata: auth.metadata,
      num_uses: auth.num_uses,
      entity_id: auth.entity_id,
      token_type: auth.token_type,
      token_ttl: auth.lease_duration,
    });
  }

  private wrapInfo(w: Json): Json {
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    return omitEmpty({
      ttl: w.ttl,
      token: this.secret(str(w.token)),
      accessor: this.accessor(str(w.accessor)),
      creation_time: w.creation_time,
      creation_path: w.creation_path,
      wrapped_accessor: this.accessor(str(w.wrapped_accessor)),
    });
  }
}

/** `elide_list_responses`: a list's `keys` (and `key_info`) replaced by how many there are. */
function elideList(data: Json): Json {
  const out = { ...data };
  if (Array.isArray(out.keys)) out.keys = out.keys.length;
  if (out.key_info !== null && typeof out.key_info === 'object')
    out.key_info = Object.keys(out.key_info).length;
  return out;
}
