/**
 * Encoded answers kept for reuse: dns2's encoder writes bit by bit (about 50 µs per response), and
 * with TTL 0 on `active` clients ask the same names constantly. An entry is valid only for one
 * version of the view, one second (the SOA serial) and one freshness state of the view, so a
 * cached answer is byte for byte what the resolver would produce again. Answers with more than one
 * record are not cached, because their order is shuffled for every query.
 */
import type { ViewSnapshot } from './view-types.js';

/** A cached response, its id and RD bit to be patched per query. */
export interface CachedAnswer {
  readonly wire: Buffer;
  readonly rcode: number;
  readonly truncated: boolean;
}

/** What, besides the view, an answer depends on. */
export interface AnswerKeyParts {
  /** The question name exactly as asked (the owner name of the records echoes it). */
  readonly name: string;
  readonly type: number;
  readonly class: number;
  /** The size limit of the transport, and whether the query had EDNS. */
  readonly limit: number;
  readonly edns: boolean;
  readonly transport: 'udp' | 'tcp';
}

/** A bounded map of encoded answers. */
export class AnswerCache {
  private readonly entries = new Map<string, CachedAnswer>();
  private generation = '';

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxStaleMs = Number.POSITIVE_INFINITY,
  ) {}

  /**
   * The key of a question against a view at `now`; undefined when the view has no version. A new
   * view version, second or freshness state empties the cache.
   */
  key(parts: AnswerKeyParts, view: ViewSnapshot, now: number): string | undefined {
    if (view.version === undefined) return undefined;
    const freshness =
      view.confirmedAt === undefined ? 'u' : now - view.confirmedAt > this.maxStaleMs ? 's' : 'f';
    const generation = `${view.version}|${freshness}|${Math.floor(now / 1000)}`;
    if (generation !== this.generation) {
      this.entries.clear();
      this.generation = generation;
    }
    return `${parts.transport}|${parts.limit}|${parts.edns ? 1 : 0}|${parts.type}|${parts.class}|${parts.name}`;
  }

  /** A copy of the cached response with `id` and the RD bit of this query, or undefined. */
  get(key: string, id: number, rd: boolean): CachedAnswer | undefined {
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    const wire = Buffer.from(hit.wire);
    wire.writeUInt16BE(id, 0);
    wire[2] = ((wire[2] ?? 0) & 0xfe) | (rd ? 1 : 0);
    return { ...hit, wire };
  }

  set(key: string, answer: CachedAnswer): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { ...answer, wire: Buffer.from(answer.wire) });
  }
}
