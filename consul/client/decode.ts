/** Turning the consul client's answers and errors into the adapter's types. */
import type { IncomingMessage } from 'node:http';
import { ConsulRequestError, type AgentService, type KvPair } from './client-types.js';
import type { RawAgentService, RawKvItem, RawTxnError } from './raw-consul.js';

/** Reads `aborted` through a call so that TypeScript does not keep an earlier narrowing. */
export function isAborted(signal: AbortSignal | undefined): signal is AbortSignal {
  return signal?.aborted === true;
}

/** The error of a call cancelled through its signal. */
export function abortError(what: string, signal: AbortSignal): Error {
  return new ConsulRequestError(`consul ${what}: cancelled`, undefined, { cause: signal.reason });
}

/** Maps whatever the consul client threw (papi response, network or timeout error) to a ConsulRequestError. */
export function toRequestError(what: string, err: unknown): ConsulRequestError {
  if (err instanceof ConsulRequestError) return err;
  const e = err as { message?: unknown; response?: { statusCode?: unknown; body?: unknown }; code?: unknown };
  const status = typeof e.response?.statusCode === 'number' ? e.response.statusCode : undefined;
  const body = e.response?.body;
  const detail =
    typeof body === 'string' && body.trim() !== ''
      ? body.trim()
      : typeof e.message === 'string'
        ? e.message
        : String(err);
  const code = typeof e.code === 'string' ? ` (${e.code})` : '';
  const message = `consul ${what}: ${status === undefined ? '' : `HTTP ${status}: `}${detail}${code}`;
  // Keep the decoded body as the cause so callers can read structured answers (txn rollbacks).
  return new ConsulRequestError(
    message,
    status,
    { cause: body ?? err },
    unavailability(what, status, detail, typeof e.code === 'string' ? e.code : ''),
  );
}

/** Connection failures that mean the agent is not there (or not answering) right now. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
  'ENOENT',
]);

/**
 * What an agent answers (HTTP 500) while its servers elect a leader, or are gone: Consul's own
 * errors (agent/structs/errors.go), Raft's, those of yamux (the RPC multiplexer) and of the
 * connection under it, as Consul 1.22 words them.
 */
const SERVERS_UNAVAILABLE = new RegExp(
  [
    // Consul
    'no cluster leader',
    'no known consul servers',
    'no path to datacenter',
    'not ready to serve consistent reads',
    'raft leader not found in server lookup mapping',
    'failed to get conn',
    // Raft
    'leadership lost',
    'not the leader',
    'leadership transfer in progress',
    'timed out enqueuing operation',
    'raft is already shutdown',
    // yamux
    'session shutdown',
    'stream closed',
    'i/o deadline reached',
    'remote end is not accepting connections',
    'connection write timeout',
    'keepalive timeout',
    // the TCP connection to a server
    'connection refused',
    'connection reset',
    'broken pipe',
    'use of closed network connection',
    'no route to host',
    'network is unreachable',
    'i/o timeout',
    '\\bEOF\\b',
  ].join('|'),
  'i',
);

/**
 * Why Consul cannot serve anything right now, in words safe to show a client (no address, no key),
 * or undefined for any other failure: Consul's servers have no leader (an election, a lost quorum,
 * the servers down behind a live client agent), or the agent does not answer at all.
 */
export function unavailability(
  what: string,
  status: number | undefined,
  detail: string,
  code: string,
): string | undefined {
  if (status === 500 && SERVERS_UNAVAILABLE.test(detail))
    return `Consul's servers have no leader or do not answer (consul ${what}); retry shortly`;
  if (status === undefined && (UNREACHABLE_CODES.has(code) || /timed? ?out/i.test(detail)))
    return `the Consul agent does not answer (consul ${what}${code === '' ? '' : `: ${code}`}); retry once it is back`;
  return undefined;
}

/** The `Errors` of a rolled-back transaction's answer, if the body is one. */
export function txnErrors(body: unknown): RawTxnError[] | undefined {
  const errors = (body as { Errors?: unknown } | undefined)?.Errors;
  return Array.isArray(errors) ? (errors as RawTxnError[]) : undefined;
}

/** The KV items of a transaction's `Results` (its `get` operations' answers). */
export function txnResults(body: unknown): RawKvItem[] {
  const results = (body as { Results?: unknown } | undefined)?.Results;
  if (!Array.isArray(results)) return [];
  const items: RawKvItem[] = [];
  for (const result of results as { KV?: unknown }[]) {
    const kv = result.KV as Partial<RawKvItem> | undefined;
    if (typeof kv?.Key === 'string') items.push(kv as RawKvItem);
  }
  return items;
}

/** A KV item with its value as raw bytes (the client decodes base64 to a Buffer with `buffer: true`). */
export function toPair(item: RawKvItem): KvPair {
  const v = item.Value;
  const value = Buffer.isBuffer(v) ? v : typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.alloc(0);
  return {
    key: item.Key,
    value,
    session: item.Session === '' ? undefined : item.Session,
    modifyIndex: item.ModifyIndex,
  };
}

/** Consul's X-Consul-Index of an answer, 0 when missing or malformed. */
export function indexOf(res: IncomingMessage): bigint {
  const header = res.headers['x-consul-index'];
  const text = Array.isArray(header) ? header[0] : header;
  try {
    return text === undefined ? 0n : BigInt(text);
  } catch {
    return 0n;
  }
}

/** A service of the agent's list in the adapter's terms (missing fields become empty). */
export function toAgentService(id: string, raw: RawAgentService): AgentService {
  return {
    id: raw.ID ?? id,
    name: raw.Service ?? '',
    tags: raw.Tags ?? [],
    address: raw.Address ?? '',
    port: raw.Port ?? 0,
    meta: raw.Meta ?? {},
  };
}
