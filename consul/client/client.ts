import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import Consul from 'consul';
import { resolveAddress } from './address.js';
import {
  ConsulRequestError,
  encodeValue,
  type AgentService,
  type AgentServiceDefinition,
  type CallOptions,
  type CatalogServiceUpdate,
  type CheckStatus,
  type ConsulClientOptions,
  type ConsulTxnOp,
  type KvPair,
  type SessionDefinition,
  type TtlServiceDefinition,
  type TxnOutcome,
} from './client-types.js';
import {
  abortError,
  indexOf,
  isAborted,
  toAgentService,
  toPair,
  toRequestError,
  txnErrors,
  txnResults,
} from './decode.js';
import { MAX_TXN_OPS } from './limits.js';
import { Semaphore } from './semaphore.js';
import type {
  RawCatalogRegistration,
  RawConsul,
  RawCallOptions,
  RawResult,
  RawTxnOp,
  RawSessionBody,
} from './raw-consul.js';

export * from './client-types.js';

/**
 * The one adapter over the `consul` npm client: typed, Buffers for values, AbortSignal-cancellable,
 * blocking-query aware, and bounded by `maxParallel` for non-blocking requests. Everything in
 * tresor that talks to Consul goes through it.
 */
export class ConsulClient {
  private readonly raw: RawConsul;
  private readonly consistent: boolean;
  private readonly limit: Semaphore;
  private readonly timeoutMs: number;
  private readonly token: string | undefined;

  constructor(options: ConsulClientOptions = {}) {
    const token = options.token ?? process.env.CONSUL_HTTP_TOKEN;
    this.token = token === '' ? undefined : token;
    this.consistent = options.consistencyMode === 'strong';
    this.limit = new Semaphore(options.maxParallel ?? 128);
    this.timeoutMs = options.requestTimeoutMs ?? 15_000;
    const target = resolveAddress(
      options.address ?? process.env.CONSUL_HTTP_ADDR ?? '127.0.0.1:8500',
      options.scheme,
    );
    const secure = target.scheme === 'https';
    const tls = {
      ...(options.tlsCaFile === undefined ? {} : { ca: readFileSync(options.tlsCaFile) }),
      ...(options.tlsCertFile === undefined ? {} : { cert: readFileSync(options.tlsCertFile) }),
      ...(options.tlsKeyFile === undefined ? {} : { key: readFileSync(options.tlsKeyFile) }),
      ...(options.tlsMinVersion === undefined ? {} : { minVersion: options.tlsMinVersion }),
      rejectUnauthorized: options.tlsSkipVerify !== true,
    };
    const agent = secure ? new HttpsAgent({ keepAlive: true, ...tls }) : new HttpAgent({ keepAlive: true });
    const settings: Record<string, unknown> = {
      baseUrl: `${target.scheme}://${target.socketPath === undefined ? target.hostPort : 'localhost'}/v1`,
      agent,
      ...(target.socketPath === undefined ? {} : { socketPath: target.socketPath }),
      ...(this.token === undefined ? {} : { defaults: { token: this.token } }),
    };
    // The typings know neither baseUrl nor socketPath; the runtime passes them to papi.
    this.raw = new Consul(settings) as unknown as RawConsul;
  }

  /** Reads one key; `index`/`waitMs` make it a blocking query. Returns the pair (if any) and Consul's index. */
  async kvGet(key: string, call: CallOptions = {}): Promise<{ pair: KvPair | undefined; index: bigint }> {
    const [res, item] = await this.call('kv.get', call, (o) =>
      this.raw.kv.get({ ...o, key, buffer: true, ...this.read() }),
    );
    return { pair: item === undefined ? undefined : toPair(item), index: indexOf(res) };
  }

  /**
   * Reads several keys in one round trip: a transaction of `get` operations only, which Consul
   * answers without a Raft write (with this client's consistency mode). Each key maps to its pair,
   * or to undefined when it does not exist. A `get` of a missing key rolls the transaction back
   * and Consul names it, so such keys are noted and the rest read again (a round trip per round of
   * missing keys). Groups of MAX_TXN_OPS.
   */
  async kvGetMany(keys: readonly string[], call: CallOptions = {}): Promise<Map<string, KvPair | undefined>> {
    const found = new Map<string, KvPair | undefined>();
    const unique = [...new Set(keys)];
    for (let start = 0; start < unique.length; start += MAX_TXN_OPS) {
      let pending = unique.slice(start, start + MAX_TXN_OPS);
      while (pending.length > 0) {
        const body: RawTxnOp[] = pending.map((key) => ({ KV: { Verb: 'get', Key: key } }));
        try {
          const [, answer] = await this.call('txn', call, (o) =>
            this.raw.transaction.create(body, { ...o, ...this.read() }),
          );
          for (const item of txnResults(answer)) found.set(item.Key, toPair(item));
          for (const key of pending) if (!found.has(key)) found.set(key, undefined);
          break;
        } catch (err) {
          const rolledBack =
            err instanceof ConsulRequestError && err.consulStatus === 409 ? txnErrors(err.cause) : undefined;
          const missing = new Set(
            (rolledBack ?? []).filter((e) => (e.What ?? '').includes(" doesn't exist")).map((e) => e.OpIndex),
          );
          // A rollback for anything but missing keys is a real failure.
          if (rolledBack === undefined || missing.size < rolledBack.length) throw err;
          for (const index of missing) {
            const key = index === undefined ? undefined : pending[index];
            if (key !== undefined) found.set(key, undefined);
          }
          const left = pending.filter((key) => !found.has(key));
          if (left.length === pending.length) throw err;
          pending = left;
        }
      }
    }
    return found;
  }

  /** Keys directly below `prefix` (one level with separator "/"): full key names, folders ending in "/". */
  async kvKeys(prefix: string, call: CallOptions = {}): Promise<string[]> {
    try {
      const [, keys] = await this.call('kv.keys', call, (o) =>
        this.raw.kv.keys({ ...o, key: prefix, separator: '/', ...this.read() }),
      );
      return keys ?? [];
    } catch (err) {
      if (err instanceof ConsulRequestError && err.consulStatus === 404) return [];
      throw err;
    }
  }

  /** Writes one key; with `acquire`/`release` it is a lock operation and the boolean says whether it took effect. */
  async kvPut(
    key: string,
    value: Buffer,
    lock: { acquire?: string; release?: string } = {},
    call: CallOptions = {},
  ): Promise<boolean> {
    const [, ok] = await this.call('kv.set', call, (o) => this.raw.kv.set({ ...o, ...lock, key, value }));
    return ok === true;
  }

  /** Deletes one key (missing keys are fine). */
  async kvDelete(key: string, call: CallOptions = {}): Promise<void> {
    await this.call('kv.del', call, (o) => this.raw.kv.del({ ...o, key }));
  }

  /** Runs a KV transaction; a rollback (HTTP 409) is an outcome, not an exception. */
  async txn(ops: readonly ConsulTxnOp[], call: CallOptions = {}): Promise<TxnOutcome> {
    const body: RawTxnOp[] = ops.map((op) => {
      switch (op.verb) {
        case 'set':
          return { KV: { Verb: 'set', Key: op.key, Value: encodeValue(op.value) } };
        case 'delete':
          return { KV: { Verb: 'delete', Key: op.key } };
        case 'check-session':
          return { KV: { Verb: 'check-session', Key: op.key, Session: op.session } };
        case 'lock':
        case 'unlock':
          return { KV: { Verb: op.verb, Key: op.key, Value: encodeValue(op.value), Session: op.session } };
      }
    });
    try {
      await this.call('txn', call, (o) => this.raw.transaction.create(body, o));
      return { ok: true };
    } catch (err) {
      const rolledBack =
        err instanceof ConsulRequestError && err.consulStatus === 409 ? txnErrors(err.cause) : undefined;
      if (rolledBack === undefined) throw err;
      return { ok: false, errors: rolledBack.map((e) => ({ opIndex: e.OpIndex ?? 0, what: e.What ?? '' })) };
    }
  }

  /** Creates a session and returns its id. */
  async sessionCreate(def: SessionDefinition, call: CallOptions = {}): Promise<string> {
    const body: RawSessionBody = {
      Name: def.name,
      TTL: def.ttl,
      LockDelay: def.lockDelay,
      Behavior: def.behavior,
      NodeChecks: [...def.nodeChecks],
      ServiceChecks: def.serviceChecks.map((id) => ({ ID: id })),
    };
    // The client's session.create drops NodeChecks/ServiceChecks, so use its request layer directly.
    const created = (await this.putJson('session.create', '/session/create', body, call)) as
      { ID?: unknown } | undefined;
    if (typeof created?.ID !== 'string')
      throw new ConsulRequestError('consul session.create: no session id in the answer', undefined);
    return created.ID;
  }

  /** Renews a session; false when Consul no longer knows it (invalidated). */
  async sessionRenew(id: string, call: CallOptions = {}): Promise<boolean> {
    try {
      const [, sessions] = await this.call('session.renew', call, (o) =>
        this.raw.session.renew({ ...o, id }),
      );
      return Array.isArray(sessions) && sessions.length > 0;
    } catch (err) {
      if (err instanceof ConsulRequestError && err.consulStatus === 404) return false;
      throw err;
    }
  }

  /** Destroys a session, releasing (or deleting) the keys it holds. */
  async sessionDestroy(id: string, call: CallOptions = {}): Promise<void> {
    await this.call('session.destroy', call, (o) => this.raw.session.destroy({ ...o, id }));
  }

  /** Registers a local service whose only check is a TTL check, passing from the start. */
  async serviceRegister(def: TtlServiceDefinition, call: CallOptions = {}): Promise<void> {
    await this.call('agent.service.register', call, (o) =>
      this.raw.agent.service.register({
        ...o,
        id: def.id,
        name: def.name,
        meta: { ...def.meta },
        check: {
          checkid: def.checkId,
          name: def.checkName,
          ttl: def.ttl,
          status: 'passing',
          deregistercriticalserviceafter: def.deregisterCriticalAfter,
        },
      }),
    );
  }

  /** Removes a local service and its checks. */
  async serviceDeregister(id: string, call: CallOptions = {}): Promise<void> {
    await this.call('agent.service.deregister', call, (o) => this.raw.agent.service.deregister({ ...o, id }));
  }

  /** Marks a TTL check passing, restarting its TTL. */
  async checkPass(checkId: string, call: CallOptions = {}): Promise<void> {
    await this.call('agent.check.pass', call, (o) => this.raw.agent.check.pass({ ...o, id: checkId }));
  }

  /** Registers or updates a local service with one TTL check; Consul keeps an existing check's status (set it after). */
  async agentServiceRegister(def: AgentServiceDefinition, call: CallOptions = {}): Promise<void> {
    const { id, name, notes, ttl, status, deregisterCriticalAfter: after } = def.check;
    const check = { checkid: id, name, ttl, status, ...(notes === undefined ? {} : { notes }) };
    const service = {
      id: def.id,
      name: def.name,
      address: def.address,
      port: def.port,
      tags: [...def.tags],
      meta: { ...def.meta },
    };
    await this.call('agent.service.register', call, (o) =>
      this.raw.agent.service.register({
        ...o,
        ...service,
        check: after === undefined ? check : { ...check, deregistercriticalserviceafter: after },
      }),
    );
  }

  /** The services registered on the local agent, by id. */
  async agentServices(call: CallOptions = {}): Promise<Map<string, AgentService>> {
    const [, list] = await this.call('agent.service.list', call, (o) => this.raw.agent.service.list(o));
    return new Map(Object.entries(list ?? {}).map(([id, raw]) => [id, toAgentService(id, raw)]));
  }

  /** Sets a TTL check's status and output (`note`), restarting its TTL; false when the agent does not know the check. */
  async checkUpdate(
    checkId: string,
    status: CheckStatus,
    note: string,
    call: CallOptions = {},
  ): Promise<boolean> {
    const verb = ({ passing: 'pass', warning: 'warn', critical: 'fail' } as const)[status];
    try {
      await this.call(`agent.check.${verb}`, call, (o) =>
        this.raw.agent.check[verb]({ ...o, id: checkId, note }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConsulRequestError && err.consulStatus === 404) return false;
      throw err;
    }
  }

  /**
   * Writes services and checks of a node that is already in the catalog, without touching the node
   * record (SkipNodeUpdate): Consul asks for service:write on the services, not node:write. If the
   * node is not in the catalog Consul would create it, which needs node:write (tresor's policy has
   * none, so that is refused with 403).
   */
  async catalogRegister(update: CatalogServiceUpdate, call: CallOptions = {}): Promise<void> {
    const s = update.service;
    const body: RawCatalogRegistration = {
      Node: update.node,
      Address: update.nodeAddress,
      SkipNodeUpdate: true,
      ...(s === undefined
        ? {}
        : {
            Service: {
              ID: s.id,
              Service: s.name,
              Tags: [...s.tags],
              Address: s.address,
              Port: s.port,
              Meta: { ...s.meta },
              EnableTagOverride: s.enableTagOverride,
            },
          }),
      Checks: update.checks.map((c) => ({
        Node: update.node,
        CheckID: c.id,
        Name: c.name,
        ServiceID: c.serviceId,
        Status: c.status,
        Output: c.output,
        ...(c.notes === undefined ? {} : { Notes: c.notes }),
      })),
    };
    // The client's catalog.register drops a check's Output and EnableTagOverride, so use its request layer.
    await this.putJson('catalog.register', '/catalog/register', body, call);
  }

  /** A JSON PUT through the client's request layer (token, timeouts, errors as every call); the answer's body. */
  private async putJson(name: string, path: string, body: unknown, call: CallOptions): Promise<unknown> {
    const headers: Record<string, string> = this.token === undefined ? {} : { 'x-consul-token': this.token };
    const [, answer] = await this.call(name, call, async (o) => {
      const res = await this.raw._put({
        name,
        path,
        type: 'json',
        body,
        headers,
        ctx: o.ctx,
        timeout: o.timeout,
      });
      return [res, res.body];
    });
    return answer;
  }

  /** The Raft leader's address, or "" when the cluster has none. */
  async statusLeader(call: CallOptions = {}): Promise<string> {
    const [, leader] = await this.call('status.leader', call, (o) => this.raw.status.leader(o));
    return typeof leader === 'string' ? leader : '';
  }

  /**
   * A catalog or health read of the npm client (`raw`) through this adapter's request path:
   * connection, token, TLS, timeouts, cancellation, the parallelism bound and error mapping.
   */
  async rawRead<T>(
    what: string,
    call: CallOptions,
    run: (raw: RawConsul, options: RawCallOptions) => Promise<RawResult<T>>,
  ): Promise<RawResult<T>> {
    return this.call(what, call, (o) => run(this.raw, o));
  }

  /** Closes idle keep-alive connections. Requests still in flight finish or fail on their own. */
  close(): void {
    this.raw.destroy();
  }

  private read(): { consistent?: true } {
    return this.consistent ? { consistent: true } : {};
  }

  /** Runs one request with cancellation, timeout, the parallelism bound, and errors mapped to ConsulRequestError. */
  private async call<T>(
    what: string,
    call: CallOptions,
    run: (options: RawCallOptions) => Promise<RawResult<T>>,
  ): Promise<RawResult<T>> {
    const blocking = call.index !== undefined;
    const ctx = Object.assign(new EventEmitter(), { includeResponse: true as const });
    const waitMs = call.waitMs ?? 0;
    const options: RawCallOptions = {
      ctx,
      timeout: call.timeoutMs ?? (blocking ? waitMs + waitMs / 16 + this.timeoutMs : this.timeoutMs),
      ...(blocking ? { index: call.index.toString(), wait: `${Math.max(1, Math.round(waitMs))}ms` } : {}),
    };
    const signal = call.signal;
    if (signal?.aborted === true) throw abortError(what, signal);
    const onAbort = (): void => {
      ctx.emit('cancel');
    };
    let release: (() => void) | undefined;
    try {
      if (!blocking) release = await this.limit.acquire(signal);
      signal?.addEventListener('abort', onAbort, { once: true });
      return await run(options);
    } catch (err) {
      if (isAborted(signal)) throw abortError(what, signal);
      throw toRequestError(what, err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      release?.();
    }
  }
}
