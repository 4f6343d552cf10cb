/**
 * The shape of the `consul` npm client (2.x) as tresor uses it at run time. Its published typings
 * miss what matters here (the KV `buffer` option, `Session` on KV items, request contexts that
 * cancel and return the response, timeouts, the papi request layer), so ConsulClient casts the
 * client to this once. Only client.ts and decode.ts import this file.
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';

/** A papi request context: `emit('cancel')` aborts; `includeResponse` makes results `[res, body]`. */
export type RawContext = EventEmitter & { readonly includeResponse: true };

/** Options every call takes (consul's `utils.options`). */
export interface RawCallOptions {
  readonly ctx: RawContext;
  /** Milliseconds. */
  readonly timeout: number;
  readonly index?: string;
  readonly wait?: string;
  readonly consistent?: true;
}

/** With `includeResponse`, every call resolves to the response and, when there is one, the decoded body. */
export type RawResult<T> = [IncomingMessage, T?];

/** One KV item as `kv.get({ buffer: true })` returns it. */
export interface RawKvItem {
  readonly Key: string;
  readonly Value: Buffer | string | null;
  readonly Session?: string;
  readonly Flags: number;
  readonly LockIndex: number;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** One operation of /v1/txn in Consul's wire format. */
export interface RawTxnOp {
  readonly KV: {
    readonly Verb: 'set' | 'delete' | 'check-session' | 'lock' | 'unlock' | 'get';
    readonly Key: string;
    readonly Value?: string;
    readonly Session?: string;
  };
}

/** One entry of a rolled-back transaction's `Errors`. */
export interface RawTxnError {
  readonly OpIndex?: number;
  readonly What?: string;
}

/** The body of PUT /v1/session/create. */
export interface RawSessionBody {
  readonly Name: string;
  readonly TTL: string;
  readonly LockDelay: string;
  readonly Behavior: 'release' | 'delete';
  readonly NodeChecks: string[];
  readonly ServiceChecks: { ID: string }[];
}

/** One service of GET /v1/agent/services. */
export interface RawAgentService {
  readonly ID?: string;
  readonly Service?: string;
  readonly Tags?: string[] | null;
  readonly Address?: string;
  readonly Port?: number;
  readonly Meta?: Record<string, string> | null;
}

/** The body of PUT /v1/catalog/register (only the fields tresor writes). */
export interface RawCatalogRegistration {
  readonly Node: string;
  readonly Address: string;
  readonly SkipNodeUpdate: true;
  readonly Service?: {
    readonly ID: string;
    readonly Service: string;
    readonly Tags: string[];
    readonly Address: string;
    readonly Port: number;
    readonly Meta: Record<string, string>;
    readonly EnableTagOverride: boolean;
  };
  readonly Checks: {
    readonly Node: string;
    readonly CheckID: string;
    readonly Name: string;
    readonly ServiceID: string;
    readonly Status: string;
    readonly Output: string;
    readonly Notes?: string;
  }[];
}

/** papi's low-level request description. */
export interface RawRequest {
  readonly name: string;
  readonly path: string;
  readonly type?: 'json' | 'text';
  readonly body?: unknown;
  readonly headers: Record<string, string>;
  readonly ctx: RawContext;
  readonly timeout: number;
}

type Call<O, T> = (options: RawCallOptions & O) => Promise<RawResult<T>>;

/** The parts of the consul client tresor calls. */
export interface RawConsul {
  readonly kv: {
    readonly get: Call<{ key: string; buffer: true }, RawKvItem>;
    readonly keys: Call<{ key: string; separator: string }, string[]>;
    readonly set: Call<{ key: string; value: Buffer; acquire?: string; release?: string }, boolean>;
    readonly del: Call<{ key: string }, boolean>;
  };
  readonly transaction: {
    create(operations: RawTxnOp[], options: RawCallOptions): Promise<RawResult<unknown>>;
  };
  readonly session: {
    readonly renew: Call<{ id: string }, unknown[]>;
    readonly destroy: Call<{ id: string }, never>;
  };
  readonly health: {
    readonly service: Call<{ service: string }, unknown>;
  };
  readonly catalog: {
    readonly service: { readonly list: Call<object, unknown> };
    readonly node: { readonly list: Call<object, unknown> };
  };
  readonly agent: {
    readonly service: {
      readonly register: Call<
        {
          id: string;
          name: string;
          tags?: string[];
          address?: string;
          port?: number;
          meta: Record<string, string>;
          check: {
            checkid: string;
            name: string;
            notes?: string;
            ttl: string;
            status: 'passing' | 'warning' | 'critical';
            deregistercriticalserviceafter?: string;
          };
        },
        never
      >;
      readonly deregister: Call<{ id: string }, never>;
      readonly list: Call<object, Record<string, RawAgentService>>;
    };
    readonly check: {
      readonly pass: Call<{ id: string; note?: string }, never>;
      readonly warn: Call<{ id: string; note?: string }, never>;
      readonly fail: Call<{ id: string; note?: string }, never>;
    };
  };
  readonly status: {
    readonly leader: Call<object, string>;
  };
  /** papi's PUT without a result middleware: resolves to the response, its decoded body in `body`. */
  _put(request: RawRequest): Promise<IncomingMessage & { body?: unknown }>;
  destroy(): void;
}
