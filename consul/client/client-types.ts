import type { SecureVersion } from 'node:tls';
import { VaultError } from '../../src/helper/errors.js';

/** How to reach and authenticate to Consul (Vault's `storage "consul"` connection keys). */
export interface ConsulClientOptions {
  /** `host:port`, `http(s)://host:port` or `unix:///path/to.sock`; default CONSUL_HTTP_ADDR, then 127.0.0.1:8500. */
  readonly address?: string;
  /** `http` (default) or `https`. */
  readonly scheme?: string;
  /** ACL token; default CONSUL_HTTP_TOKEN. */
  readonly token?: string;
  readonly tlsCaFile?: string;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  readonly tlsSkipVerify?: boolean;
  readonly tlsMinVersion?: SecureVersion;
  /** `strong` makes every read `?consistent` (goes through the Raft leader). */
  readonly consistencyMode?: 'default' | 'strong';
  /** Concurrent non-blocking requests at most (Vault's max_parallel, default 128). */
  readonly maxParallel?: number;
  /** Timeout of one non-blocking request, default 15 s. */
  readonly requestTimeoutMs?: number;
}

/** One KV entry as Consul stores it; the value is raw bytes. */
export interface KvPair {
  readonly key: string;
  readonly value: Buffer;
  /** The session holding the key as a lock, if any. */
  readonly session: string | undefined;
  readonly modifyIndex: number;
}

/** Options of one call: cancellation and, for blocking queries, the index to wait past. */
export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** Blocking query: return once the data changes past this index, or after `waitMs`. */
  readonly index?: bigint;
  readonly waitMs?: number;
}

/** One operation of a KV transaction, in Consul's terms. */
export type ConsulTxnOp =
  | { readonly verb: 'set'; readonly key: string; readonly value: Buffer }
  | { readonly verb: 'delete'; readonly key: string }
  | { readonly verb: 'check-session'; readonly key: string; readonly session: string }
  | {
      readonly verb: 'lock' | 'unlock';
      readonly key: string;
      readonly value: Buffer;
      readonly session: string;
    };

/** The outcome of a transaction Consul answered: applied, or rolled back with the failed operations. */
export type TxnOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly errors: readonly { opIndex: number; what: string }[] };

/** A session definition; checks bind its life to health checks. */
export interface SessionDefinition {
  readonly name: string;
  readonly ttl: string;
  readonly lockDelay: string;
  readonly behavior: 'release' | 'delete';
  readonly nodeChecks: readonly string[];
  readonly serviceChecks: readonly string[];
}

/** A local service with one TTL check, registered on the agent. */
export interface TtlServiceDefinition {
  readonly id: string;
  readonly name: string;
  readonly checkId: string;
  readonly checkName: string;
  readonly ttl: string;
  readonly deregisterCriticalAfter: string;
  readonly meta: Readonly<Record<string, string>>;
}

/** Status of a health check, in Consul's words. */
export type CheckStatus = 'passing' | 'warning' | 'critical';

/** A TTL check attached to a service: the service's owner reports its status before the TTL runs out. */
export interface TtlCheckDefinition {
  readonly id: string;
  readonly name: string;
  /** Human-readable description shown by Consul. */
  readonly notes?: string;
  /** Go duration ("5s", "1500ms"). */
  readonly ttl: string;
  /** Status at registration; Consul keeps a check's current status when its service is registered again. */
  readonly status: CheckStatus;
  /** Go duration after which Consul removes the service while the check stays critical; absent: never. */
  readonly deregisterCriticalAfter?: string;
}

/** A local service with tags, address, port, metadata and one TTL check. */
export interface AgentServiceDefinition {
  readonly id: string;
  readonly name: string;
  readonly tags: readonly string[];
  /** "" lets consumers use the agent's node address. */
  readonly address: string;
  readonly port: number;
  readonly meta: Readonly<Record<string, string>>;
  readonly check: TtlCheckDefinition;
}

/** A service as the local agent holds it. */
export interface AgentService {
  readonly id: string;
  readonly name: string;
  readonly tags: readonly string[];
  readonly address: string;
  readonly port: number;
  readonly meta: Readonly<Record<string, string>>;
}

/**
 * A request Consul refused or that could not reach it. `consulStatus` is Consul's HTTP status, when
 * it answered. By default a storage failure (500, the detail only in the log); with `unavailable`
 * (why Consul cannot serve anything right now: no cluster leader, no agent answering) a 503 that
 * says so, for clients and load balancers to retry: nothing of the request was applied.
 */
export class ConsulRequestError extends VaultError {
  constructor(
    message: string,
    readonly consulStatus: number | undefined,
    options?: ErrorOptions,
    readonly unavailable?: string,
  ) {
    super(
      unavailable === undefined ? 500 : 503,
      unavailable === undefined ? message : `storage unavailable: ${unavailable}`,
      unavailable !== undefined,
      options,
    );
  }
}

/** Base-64 of a value, as Consul's JSON APIs carry it. */
export function encodeValue(value: Buffer): string {
  return value.toString('base64');
}

/** A service instance as re-posted to the catalog: replaces the catalog's copy of that instance. */
export interface CatalogServiceDefinition {
  readonly id: string;
  readonly name: string;
  readonly tags: readonly string[];
  /** "" lets consumers use the node's address. */
  readonly address: string;
  readonly port: number;
  readonly meta: Readonly<Record<string, string>>;
  readonly enableTagOverride: boolean;
}

/** A service-level health check as written to the catalog, with the status and output consumers see. */
export interface CatalogCheckDefinition {
  readonly id: string;
  readonly name: string;
  /** The instance the check belongs to (node-level checks are never written: they need node:write). */
  readonly serviceId: string;
  readonly status: CheckStatus;
  readonly output: string;
  readonly notes?: string;
}

/**
 * A catalog write for services and checks of a node that is already in the catalog (PUT
 * /v1/catalog/register with SkipNodeUpdate). Consul then needs service:write on the services only,
 * not node:write (vetRegisterWithACL). The node's own agent keeps its local copy and writes it back
 * on its next sync of a changed entry or its periodic anti-entropy run.
 */
export interface CatalogServiceUpdate {
  /** The Consul node name the instance lives on. */
  readonly node: string;
  /** The node's address (ignored by Consul for an existing node; it would be used only to create one). */
  readonly nodeAddress: string;
  readonly service?: CatalogServiceDefinition;
  readonly checks: readonly CatalogCheckDefinition[];
}
