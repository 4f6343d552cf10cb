/**
 * Encoded answers kept for reuse, looked up straight from the received bytes. dns2's decoder and
 * encoder work bit by bit (tens of µs per query), and with TTL 0 on `active` clients ask the same
 * names constantly, so the slow path's response to a query of the common shape (query-scan.ts) is
 * kept, keyed by the transport, the UDP size limit, whether the query had EDNS and the question's
 * bytes exactly as sent (name in its case, type, class). A later query with the same key gets a
 * copy with its own id and RD bit: byte for byte what the slow path would have produced, because
 * the response depends on nothing else of the query.
 *
 * An entry is valid only for one version of the view, one second (the SOA serial) and one
 * freshness state of the view (not loaded, fresh, stale), so a new lock holder is answered from
 * the first query after the view changed. Answers with more than one record are not cached (the
 * caller's rule), because their order is shuffled for every query.
 *
 * A lookup allocates nothing but the response it returns: the key is hashed from the bytes and
 * compared with the stored question in place.
 */
import type { ViewSnapshot } from './view-types.js';

/** What a cached answer says, for the metrics of a hit. */
export interface CachedAnswer {
  readonly wire: Buffer;
  readonly rcode: number;
  readonly truncated: boolean;
}

/** The parts of a key besides the question bytes. */
export interface AnswerKeyParts {
  readonly transport: 'udp' | 'tcp';
  /** The size limit of the transport. */
  readonly limit: number;
  readonly edns: boolean;
}

interface Entry<T> {
  readonly hash: number;
  readonly question: Buffer;
  readonly transport: 'udp' | 'tcp';
  readonly limit: number;
  readonly edns: boolean;
  readonly answer: CachedAnswer;
  readonly extra: T;
  next: Entry<T> | undefined;
}

const FRESHNESS_UNLOADED = 0;
const FRESHNESS_FRESH = 1;
const FRESHNESS_STALE = 2;

/**
 * A bounded table of encoded answers; `T` is what the caller keeps with each (metric cells).
 * Call `sync` with the current view before `get` or `set`.
 */
export class AnswerCache<T = undefined> {
  private readonly buckets = new Map<number, Entry<T>>();
  private size = 0;
  private version: number | undefined;
  private second = -1;
  private freshness = -1;

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxStaleMs = Number.POSITIVE_INFINITY,
  ) {}

  /**
   * Moves the cache to the view at `now`: a new view version, second or freshness state empties
   * it. False when answers cannot be cached (the view has no version).
   */
  sync(view: ViewSnapshot, now: number): boolean {
    const version = view.version;
    if (version === undefined) return false;
    const confirmedAt = view.confirmedAt;
    const freshness =
      confirmedAt === undefined
        ? FRESHNESS_UNLOADED
        : now - confirmedAt > this.maxStaleMs
          ? FRESHNESS_STALE
          : FRESHNESS_FRESH;
    const second = Math.floor(now / 1000);
    if (version !== this.version || second !== this.second || freshness !== this.freshness) {
      this.clear();
      this.version = version;
      this.second = second;
      this.freshness = freshness;
    }
    return true;
  }

  /**
   * The cached answer to the question at `data[12, questionEnd)` for this transport, limit and
   * EDNS, or undefined. The returned wire must not be changed; `respond` makes the copy to send.
   */
  lookup(
    data: Buffer,
    questionEnd: number,
    transport: 'udp' | 'tcp',
    limit: number,
    edns: boolean,
  ): { readonly answer: CachedAnswer; readonly extra: T } | undefined {
    const hash = hashKey(data, questionEnd, transport, limit, edns);
    for (let e = this.buckets.get(hash); e !== undefined; e = e.next) {
      if (
        e.hash === hash &&
        e.transport === transport &&
        e.limit === limit &&
        e.edns === edns &&
        sameQuestion(e.question, data, questionEnd)
      )
        return e;
    }
    return undefined;
  }

  /** Keeps `answer` (copied) for the question at `data[12, questionEnd)` under `parts`. */
  set(data: Buffer, questionEnd: number, parts: AnswerKeyParts, answer: CachedAnswer, extra: T): void {
    if (this.lookup(data, questionEnd, parts.transport, parts.limit, parts.edns) !== undefined) return;
    if (this.size >= this.maxEntries) this.clear();
    const hash = hashKey(data, questionEnd, parts.transport, parts.limit, parts.edns);
    const entry: Entry<T> = {
      hash,
      question: Buffer.from(data.subarray(12, questionEnd)),
      transport: parts.transport,
      limit: parts.limit,
      edns: parts.edns,
      answer: { ...answer, wire: Buffer.from(answer.wire) },
      extra,
      next: this.buckets.get(hash),
    };
    this.buckets.set(hash, entry);
    this.size++;
  }

  /** How many answers are kept. */
  get entries(): number {
    return this.size;
  }

  private clear(): void {
    this.buckets.clear();
    this.size = 0;
  }
}

/** A copy of a cached response with the id and the RD bit of the query in `data`. */
export function respond(answer: CachedAnswer, data: Buffer): Buffer {
  const cached = answer.wire;
  const out = Buffer.allocUnsafe(cached.length);
  cached.copy(out);
  out[0] = data[0] ?? 0;
  out[1] = data[1] ?? 0;
  out[2] = ((cached[2] ?? 0) & 0xfe) | ((data[2] ?? 0) & 1);
  return out;
}

/** FNV-1a over the question bytes and the other parts of the key. */
function hashKey(data: Buffer, questionEnd: number, transport: string, limit: number, edns: boolean): number {
  let h = 0x811c9dc5;
  for (let i = 12; i < questionEnd; i++) h = Math.imul(h ^ (data[i] ?? 0), 0x01000193);
  h = Math.imul(h ^ (transport === 'udp' ? 1 : 2), 0x01000193);
  h = Math.imul(h ^ (limit & 0xff), 0x01000193);
  h = Math.imul(h ^ (limit >>> 8), 0x01000193);
  h = Math.imul(h ^ (edns ? 1 : 0), 0x01000193);
  return h >>> 0;
}

function sameQuestion(question: Buffer, data: Buffer, questionEnd: number): boolean {
  const length = question.length;
  if (questionEnd - 12 !== length) return false;
  for (let i = 0; i < length; i++) if (question[i] !== data[12 + i]) return false;
  return true;
}
