/**
 * The DNS server: UDP and TCP listeners on one port, each query answered from the view through the
 * pure resolver, or forwarded upstream when it is outside the domain. Nothing a client sends can
 * crash it: malformed messages are counted and answered FORMERR or dropped, and any error while
 * answering becomes SERVFAIL and a counted, logged error.
 */
import type dns2 from 'dns2';
import type { Logger } from '../src/helper/logger.js';
import type { ResolverConfig } from './config.js';
import { Forwarder } from './forward.js';
import type { CounterCell, DnsMetrics } from './metrics.js';
import { AnswerCache, respond } from './answer-cache.js';
import { ScannedQuery, scanQuery } from './query-scan.js';
import { answerResponse, encodeWithin, errorResponse, hasEdns, MAX_TCP_MESSAGE, udpLimit } from './packet.js';
import { qtypeName, rcodeName, type DnsRecord } from './records.js';
import { resolve, type ResolveSettings } from './resolve.js';
import { TcpListener } from './tcp-listener.js';
import { UdpListener } from './udp-listener.js';
import type { ViewSnapshot } from './view-types.js';

/** What the server needs. */
export interface DnsServerDeps {
  readonly config: ResolverConfig;
  /** The current view; must not wait. */
  readonly view: () => ViewSnapshot;
  readonly metrics: DnsMetrics;
  readonly logger: Logger;
  readonly now?: () => number;
}

type Transport = 'udp' | 'tcp';

/** The counters a cached answer adds to when it is sent (they exist: its slow path counted them). */
interface AnswerCells {
  readonly queries: CounterCell;
  readonly responses: CounterCell;
  readonly truncated: CounterCell | undefined;
}

/** The UDP and TCP DNS listeners and the query handler. */
export class DnsServer {
  private udp: UdpListener | undefined;
  private tcp: TcpListener | undefined;
  private readonly forwarder: Forwarder;
  private readonly settings: ResolveSettings;
  private readonly now: () => number;
  private readonly cache: AnswerCache<AnswerCells>;
  /** The fast path's scratch; queries are handled one at a time. */
  private readonly scan = new ScannedQuery();

  constructor(private readonly deps: DnsServerDeps) {
    const { config } = deps;
    this.now = deps.now ?? Date.now;
    this.forwarder = new Forwarder(config.upstreams, config.upstreamTimeoutMs);
    this.settings = {
      domain: config.domain,
      datacenter: config.datacenter,
      haService: config.consul.service,
      ttl: config.ttl,
      maxStaleMs: config.maxStaleMs,
    };
    this.cache = new AnswerCache<AnswerCells>(10_000, config.maxStaleMs);
  }

  /**
   * The fast path: the cached response to a query of the common shape, with its id and RD bit, and
   * the same metrics as the slow path; undefined when it must be parsed and resolved. Never throws.
   */
  fastAnswer(data: Buffer, transport: Transport): Buffer | undefined {
    try {
      const scan = this.scan;
      if (!scanQuery(data, scan)) return undefined;
      if (!this.cache.sync(this.deps.view(), this.now())) return undefined;
      const limit = transport === 'udp' ? scan.udpLimit : MAX_TCP_MESSAGE;
      const hit = this.cache.lookup(data, scan.questionEnd, transport, limit, scan.edns);
      if (hit === undefined) return undefined;
      const cells = hit.extra;
      cells.queries.value++;
      cells.responses.value++;
      if (cells.truncated !== undefined) cells.truncated.value++;
      return respond(hit.answer, data);
    } catch {
      return undefined;
    }
  }

  /**
   * Binds UDP and TCP to the listener address, on the same port (clients retry a truncated UDP
   * answer over TCP on the port they asked). With port 0 a free port is chosen for UDP and TCP
   * takes the same one, trying again with another port if TCP finds it taken.
   */
  async listen(): Promise<{ udpPort: number; tcpPort: number }> {
    const { host, port } = this.deps.config.listener;
    for (let attempt = 0; ; attempt++) {
      const udp = this.makeUdp(host.includes(':') ? 'udp6' : 'udp4');
      let udpPort: number;
      try {
        udpPort = await udp.bindTo(host, port);
      } catch (err) {
        try {
          udp.close();
        } catch {
          // A socket that failed to bind may already be closed.
        }
        throw err;
      }
      const tcp = this.makeTcp();
      try {
        const tcpPort = await tcp.listen(host, udpPort);
        this.udp = udp;
        this.tcp = tcp;
        return { udpPort, tcpPort };
      } catch (err) {
        await new Promise<void>((resolve) => {
          udp.close(() => {
            resolve();
          });
        });
        if (port !== 0 || attempt >= 20) throw err;
      }
    }
  }

  /** Whether each listener is up. */
  get listening(): { udp: boolean; tcp: boolean } {
    return { udp: this.udp !== undefined, tcp: this.tcp?.listening === true };
  }

  /** Closes both listeners. */
  async close(): Promise<void> {
    const udp = this.udp;
    this.udp = undefined;
    const closing: Promise<void>[] = [];
    if (udp !== undefined)
      closing.push(
        new Promise<void>((resolve) => {
          udp.close(() => {
            resolve();
          });
        }),
      );
    if (this.tcp !== undefined) closing.push(this.tcp.close());
    await Promise.all(closing);
  }

  private makeUdp(family: 'udp4' | 'udp6'): UdpListener {
    const { metrics, logger } = this.deps;
    return new UdpListener(
      family,
      (request, send, _client, data) => {
        this.handle(request, 'udp', send, data);
      },
      {
        onMalformed: (reason) => {
          metrics.malformed.inc({ transport: 'udp' });
          logger.debug({ reason }, 'malformed UDP message');
        },
        onSendError: (err) => {
          metrics.errors.inc({ kind: 'udp-socket' });
          logger.debug({ err: err.message }, 'UDP socket error');
        },
      },
      (data) => this.fastAnswer(data, 'udp'),
    );
  }

  private makeTcp(): TcpListener {
    const { metrics, logger } = this.deps;
    return new TcpListener(
      (request, send, _client, data) => {
        this.handle(request, 'tcp', send, data);
      },
      {
        onMalformed: (reason) => {
          metrics.malformed.inc({ transport: 'tcp' });
          logger.debug({ reason }, 'malformed TCP message');
        },
      },
      {},
      (data) => this.fastAnswer(data, 'tcp'),
    );
  }

  /**
   * Answers one parsed query (the slow path); never throws. A single-record answer to a query of
   * the common shape is kept for the fast path, under the bytes of its question.
   */
  private handle(
    request: dns2.Packet,
    transport: Transport,
    send: (wire: Buffer) => void,
    data: Buffer,
  ): void {
    const { metrics, logger } = this.deps;
    metrics.queries.inc({ transport });
    const question = request.questions[0];
    const qtype = question === undefined ? 'NONE' : qtypeName(question.type);
    const reply = (response: dns2.Packet): void => {
      const limit = transport === 'udp' ? udpLimit(request) : MAX_TCP_MESSAGE;
      const { wire, truncated } = encodeWithin(response, limit, transport === 'udp');
      if (truncated) metrics.truncated.inc({ transport });
      metrics.responses.inc({ qtype, rcode: rcodeName(response.header.rcode) });
      send(wire);
    };
    const recursion = this.forwarder.enabled;
    try {
      if (request.header.opcode !== 0) {
        reply(errorResponse(request, 'NOTIMP', recursion));
        return;
      }
      if (question === undefined || request.questions.length !== 1) {
        metrics.malformed.inc({ transport });
        reply(errorResponse(request, 'FORMERR', recursion));
        return;
      }
      const view = this.deps.view();
      const now = this.now();
      const limit = transport === 'udp' ? udpLimit(request) : MAX_TCP_MESSAGE;
      const cacheable = this.cache.sync(view, now);
      const resolution = resolve(
        { name: question.name, type: question.type, class: question.class },
        view,
        this.settings,
        now,
      );
      if (resolution.kind === 'forward') {
        if (!this.forwarder.enabled) {
          reply(errorResponse(request, 'REFUSED', false));
          return;
        }
        this.forward(request, transport, qtype, send, reply);
        return;
      }
      if (resolution.rcode === 'SERVFAIL')
        logger.warn({ name: question.name, reason: resolution.reason }, 'answering SERVFAIL');
      const response = answerResponse(
        request,
        resolution.rcode,
        { ...resolution, answers: shuffled(resolution.answers) },
        recursion,
      );
      const { wire, truncated } = encodeWithin(response, limit, transport === 'udp');
      if (truncated) metrics.truncated.inc({ transport });
      metrics.responses.inc({ qtype, rcode: resolution.rcode });
      if (cacheable && resolution.answers.length <= 1)
        this.keep(data, request, transport, limit, wire, truncated);
      send(wire);
    } catch (err) {
      metrics.errors.inc({ kind: 'answer' });
      logger.error(
        { err: err instanceof Error ? err.message : String(err) },
        'error while answering a query',
      );
      try {
        reply(errorResponse(request, 'SERVFAIL', recursion));
      } catch {
        // Nothing more can be sent for this query.
      }
    }
  }

  /** Keeps an answer for the fast path when the query has its shape (and the same limit and EDNS). */
  private keep(
    data: Buffer,
    request: dns2.Packet,
    transport: Transport,
    limit: number,
    wire: Buffer,
    truncated: boolean,
  ): void {
    const scan = this.scan;
    if (!scanQuery(data, scan)) return;
    const edns = hasEdns(request);
    if (scan.edns !== edns || (transport === 'udp' ? scan.udpLimit : MAX_TCP_MESSAGE) !== limit) return;
    const { metrics } = this.deps;
    const qtype = qtypeName(scan.type);
    const rcode = (wire[3] ?? 0) & 0x0f;
    const cells: AnswerCells = {
      queries: metrics.queries.cell({ transport }),
      responses: metrics.responses.cell({ qtype, rcode: rcodeName(rcode) }),
      truncated: truncated ? metrics.truncated.cell({ transport }) : undefined,
    };
    this.cache.set(data, scan.questionEnd, { transport, limit, edns }, { wire, rcode, truncated }, cells);
  }

  private forward(
    request: dns2.Packet,
    transport: Transport,
    qtype: string,
    send: (wire: Buffer) => void,
    reply: (response: dns2.Packet) => void,
  ): void {
    const { metrics, logger } = this.deps;
    const query = request.toBuffer();
    this.forwarder.forward(query, transport === 'tcp').then(
      (result) => {
        if (!result.ok) {
          metrics.forwarded.inc({ result: 'failed' });
          logger.warn({ name: request.questions[0]?.name, errors: result.errors }, 'every upstream failed');
          reply(errorResponse(request, 'SERVFAIL', true));
          return;
        }
        metrics.forwarded.inc({ result: 'ok' });
        metrics.responses.inc({ qtype, rcode: rcodeName((result.wire[3] ?? 0) & 0x0f) });
        const limit = transport === 'udp' ? udpLimit(request) : MAX_TCP_MESSAGE;
        if (result.wire.length > limit && transport === 'udp') {
          // The upstream answered bigger than this client takes: say so, the client retries over TCP.
          const tc = errorResponse(request, 'NOERROR', true);
          tc.header.tc = 1;
          tc.header.rcode = (result.wire[3] ?? 0) & 0x0f;
          metrics.truncated.inc({ transport });
          send(encodeWithin(tc, limit, true).wire);
          return;
        }
        send(result.wire);
      },
      (err: unknown) => {
        metrics.errors.inc({ kind: 'forward' });
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'error while forwarding');
        reply(errorResponse(request, 'SERVFAIL', true));
      },
    );
  }
}

/** A copy of the records in random order, so clients spread over the instances. */
function shuffled(records: readonly DnsRecord[]): DnsRecord[] {
  const out = [...records];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const a = out[i];
    const b = out[j];
    if (a !== undefined && b !== undefined) {
      out[i] = b;
      out[j] = a;
    }
  }
  return out;
}
