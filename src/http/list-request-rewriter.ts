/**
 * The LIST rewriter behind list-method-shim.ts, free of sockets: it follows HTTP/1.1 framing (head,
 * Content-Length and chunked bodies) and rewrites each `LIST <target> HTTP/1.x` request line into
 * `GET <target with list=true> HTTP/1.x` (see {@link listRequestTarget}). See list-method-shim.ts
 * for the rules on what it gives up on.
 */
import { parse as parseQuery } from 'node:querystring';

/** Default cap on the bytes of one request head (or chunk-size line) the rewriter tracks. */
export const DEFAULT_MAX_HEAD_BYTES = 64 * 1024;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const UPPER_C = 0x43;
const LIST_PREFIX = Buffer.from('LIST ', 'latin1');
const CONTENT_LENGTH = Buffer.from('content-length:', 'latin1');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding:', 'latin1');
const UPGRADE = Buffer.from('upgrade:', 'latin1');
const CONNECT = Buffer.from('connect ', 'latin1');
const CHUNK_SIZE_LINE = /^([0-9a-fA-F]{1,13})[ \t]*(?:;|\r?\n$)/;

/** First bytes of the header lines that can change framing: Content-Length, Transfer-Encoding, Upgrade. */
const WATCHED = new Uint8Array(256);
for (const c of 'cCtTuU') WATCHED[c.charCodeAt(0)] = 1;

const State = {
  /** Before a request line: empty lines are skipped, a "LIST " prefix is held back. */
  Start: 0,
  /** The rest of a LIST request line, held back until its end. */
  ListLine: 1,
  /** The rest of the request line and the header lines. */
  Head: 2,
  Body: 3,
  ChunkSize: 4,
  ChunkData: 5,
  /** The CRLF after a chunk's data. */
  ChunkEnd: 6,
  Trailers: 7,
  /** Given up: every byte goes through unchanged. */
  Passthrough: 8,
} as const;
type State = (typeof State)[keyof typeof State];

/**
 * The byte-stream half of the shim, free of sockets: fed what a client sent, in any chunking, it
 * returns what Node's parser should see. See the file comment for what it rewrites and when it
 * gives up.
 */
export class ListRequestRewriter {
  private state: State = State.Start;
  /** Bytes of "LIST " matched at the start of a request, held back. */
  private matched = 0;
  /** Copies of the kept line's bytes from earlier chunks. */
  private parts: Buffer[] = [];
  /** The last complete kept line, CR LF included, is `lineBuf[lineStart, lineEnd)`. */
  private lineBuf: Buffer = LIST_PREFIX;
  private lineStart = 0;
  private lineEnd = 0;
  private keepLine = false;
  private lineLen = 0;
  private lineFirst = 0;
  private firstLine = false;
  private headLen = 0;
  private remaining = 0;
  private contentLength = -1;
  private transferEncoding: string | undefined;
  /** The message cannot be followed (CONNECT, Upgrade, bad framing headers). */
  private opaque = false;

  constructor(private readonly maxHeadBytes = DEFAULT_MAX_HEAD_BYTES) {}

  /** True once the rewriter has given up on the connection and forwards bytes unchanged. */
  get passingThrough(): boolean {
    return this.state === State.Passthrough;
  }

  /** Takes the next chunk from the client; returns the bytes to forward (possibly empty, often `chunk` itself). */
  write(chunk: Buffer): Buffer {
    if (this.state === State.Passthrough) return chunk;
    const held = this.held();
    try {
      return this.scan(chunk);
    } catch {
      // A bug here must not take the connection (or the process) down: forward what we have.
      this.giveUp();
      return held === undefined ? chunk : Buffer.concat([held, chunk]);
    }
  }

  /** At end of input: the bytes still held back, unchanged, if any. */
  end(): Buffer | undefined {
    const held = this.held();
    this.giveUp();
    return held;
  }

  private held(): Buffer | undefined {
    if (this.state === State.ListLine) return Buffer.concat([LIST_PREFIX, ...this.parts]);
    if (this.state === State.Start && this.matched > 0) return LIST_PREFIX.subarray(0, this.matched);
    return undefined;
  }

  private giveUp(): void {
    this.state = State.Passthrough;
    this.parts = [];
  }

  private scan(chunk: Buffer): Buffer {
    const n = chunk.length;
    let out: Buffer[] | undefined;
    let from = 0; // chunk[from, pos) is waiting to be forwarded unchanged
    let pos = 0;
    while (pos < n) {
      switch (this.state) {
        case State.Start: {
          const b = chunk[pos] ?? 0;
          if (this.matched === 0 && (b === CR || b === LF)) {
            pos++;
          } else if (b === LIST_PREFIX[this.matched]) {
            if (this.matched === 0 && pos > from) (out ??= []).push(chunk.subarray(from, pos));
            this.matched++;
            from = ++pos;
            if (this.matched === LIST_PREFIX.length) this.enter(State.ListLine);
          } else {
            if (this.matched > 0) (out ??= []).push(LIST_PREFIX.subarray(0, this.matched));
            this.enter(State.Head);
          }
          break;
        }
        case State.ListLine: {
          const next = this.readLine(chunk, pos);
          pos = from = next === -1 ? n : next;
          if (LIST_PREFIX.length + this.lineLen > this.maxHeadBytes) {
            (out ??= []).push(
              next === -1 ? (this.held() ?? LIST_PREFIX) : Buffer.concat([LIST_PREFIX, this.line()]),
            );
            this.giveUp();
          } else if (next !== -1) {
            (out ??= []).push(this.rewriteListLine(this.line()));
          }
          break;
        }
        case State.Head: {
          if (this.lineLen === 0) {
            const b = chunk[pos] ?? 0;
            if (!this.firstLine && (b === SP || b === HT)) {
              this.giveUp(); // obsolete line folding
              break;
            }
            this.keepLine = this.firstLine ? b === UPPER_C : WATCHED[b] === 1;
          }
          const next = this.readLine(chunk, pos);
          this.headLen += (next === -1 ? n : next) - pos;
          pos = next === -1 ? n : next;
          if (this.headLen > this.maxHeadBytes) this.giveUp();
          else if (next !== -1) this.endHeadLine();
          break;
        }
        case State.Body:
        case State.ChunkData: {
          const take = Math.min(this.remaining, n - pos);
          pos += take;
          this.remaining -= take;
          if (this.remaining === 0) this.enter(this.state === State.Body ? State.Start : State.ChunkEnd);
          break;
        }
        case State.ChunkSize: {
          const next = this.readLine(chunk, pos);
          pos = next === -1 ? n : next;
          if (this.lineLen > this.maxHeadBytes) this.giveUp();
          else if (next !== -1) {
            const m = CHUNK_SIZE_LINE.exec(this.lineBuf.toString('latin1', this.lineStart, this.lineEnd));
            const size = m?.[1] === undefined ? -1 : Number.parseInt(m[1], 16);
            if (size < 0) this.giveUp();
            else if (size === 0) this.enter(State.Trailers);
            else {
              this.enter(State.ChunkData);
              this.remaining = size;
            }
          }
          break;
        }
        case State.ChunkEnd:
        case State.Trailers: {
          const next = this.readLine(chunk, pos);
          this.headLen += (next === -1 ? n : next) - pos;
          pos = next === -1 ? n : next;
          if (this.headLen > this.maxHeadBytes) this.giveUp();
          else if (next !== -1) {
            const empty = this.lineLen === 1 || (this.lineLen === 2 && this.lineFirst === CR);
            if (this.state === State.ChunkEnd) {
              if (empty) this.enter(State.ChunkSize);
              else this.giveUp();
            } else if (empty) this.enter(State.Start);
            else this.lineLen = 0;
          }
          break;
        }
        case State.Passthrough:
          pos = n;
          break;
      }
    }
    if (out === undefined) return from === 0 ? chunk : chunk.subarray(from);
    if (from < n) out.push(chunk.subarray(from));
    return out.length === 1 ? (out[0] ?? chunk) : Buffer.concat(out);
  }

  /** Switches state and resets what a new line (or message) needs. */
  private enter(state: State): void {
    if (state === State.Head) {
      // The request line has begun: `matched` bytes of it are already behind us.
      this.firstLine = true;
      this.lineLen = this.headLen = this.matched;
      this.lineFirst = this.matched > 0 ? (LIST_PREFIX[0] ?? 0) : 0;
      this.keepLine = false;
    } else {
      this.lineLen = this.headLen = 0;
      this.keepLine = state === State.ListLine || state === State.ChunkSize;
    }
    if (state === State.Start) {
      this.contentLength = -1;
      this.transferEncoding = undefined;
      this.opaque = false;
    }
    this.matched = 0;
    this.parts = [];
    this.state = state;
  }

  /**
   * Consumes the current line from `pos`: returns the index after its LF, or -1 when the chunk
   * ends first. A kept line ends up in `lineBuf[lineStart, lineEnd)`, pieces copied across chunks.
   */
  private readLine(chunk: Buffer, pos: number): number {
    if (this.lineLen === 0) this.lineFirst = chunk[pos] ?? 0;
    const lf = findLF(chunk, pos);
    const end = lf === -1 ? chunk.length : lf + 1;
    this.lineLen += end - pos;
    if (this.keepLine) {
      if (lf === -1) this.parts.push(Buffer.from(chunk.subarray(pos, end)));
      else if (this.parts.length === 0) {
        this.lineBuf = chunk;
        this.lineStart = pos;
        this.lineEnd = end;
      } else {
        this.lineBuf = Buffer.concat([...this.parts, chunk.subarray(pos, end)]);
        this.lineStart = 0;
        this.lineEnd = this.lineBuf.length;
        this.parts = [];
      }
    }
    return lf === -1 ? -1 : end;
  }

  /** The last complete kept line as a Buffer (a view, not a copy). */
  private line(): Buffer {
    return this.lineBuf.subarray(this.lineStart, this.lineEnd);
  }

  /** `raw` is what followed "LIST " up to and including LF. Returns the bytes to forward for the line. */
  private rewriteListLine(raw: Buffer): Buffer {
    const text = raw.toString('latin1', 0, raw.length - (raw.at(-2) === CR ? 2 : 1));
    const space = text.indexOf(' ');
    const target = text.slice(0, space);
    const version = text.slice(space + 1);
    let ok = space > 0 && (version === 'HTTP/1.1' || version === 'HTTP/1.0');
    for (let i = 0; ok && i < target.length; i++) {
      const c = target.charCodeAt(i);
      ok = c > SP && c !== 0x7f;
    }
    if (!ok) {
      this.giveUp(); // Node's parser rejects it as it stands
      return Buffer.concat([LIST_PREFIX, raw]);
    }
    const headLen = LIST_PREFIX.length + this.lineLen;
    this.enter(State.Head);
    this.firstLine = false;
    this.headLen = headLen;
    return Buffer.from(`GET ${listRequestTarget(target)} ${version}\r\n`, 'latin1');
  }

  /** A complete line of the head (request line or header) is in; for a kept one, `this.line`. */
  private endHeadLine(): void {
    const empty = this.lineLen === 1 || (this.lineLen === 2 && this.lineFirst === CR);
    if (empty && !this.firstLine) {
      this.endHead();
      return;
    }
    if (this.keepLine) {
      if (this.firstLine) this.opaque ||= isField(this.lineBuf, this.lineStart, this.lineEnd, CONNECT);
      else this.headerLine(this.lineBuf, this.lineStart, this.lineEnd);
    }
    this.firstLine = false;
    this.lineLen = 0;
  }

  /** Notes the header fields that change framing (names compared without allocating). */
  private headerLine(buf: Buffer, start: number, end: number): void {
    if (isField(buf, start, end, CONTENT_LENGTH)) {
      const value = buf.toString('latin1', start + CONTENT_LENGTH.length, end).trim();
      if (this.contentLength !== -1 || !/^\d{1,15}$/.test(value)) this.opaque = true;
      else this.contentLength = Number(value);
    } else if (isField(buf, start, end, TRANSFER_ENCODING)) {
      const value = buf.toString('latin1', start + TRANSFER_ENCODING.length, end).trim();
      this.transferEncoding =
        this.transferEncoding === undefined ? value : `${this.transferEncoding},${value}`;
    } else if (isField(buf, start, end, UPGRADE)) {
      this.opaque = true;
    }
  }

  private endHead(): void {
    const te = this.transferEncoding;
    const length = this.contentLength;
    if (this.opaque) this.giveUp();
    else if (te !== undefined) {
      const chunked = te.split(',').at(-1)?.trim().toLowerCase() === 'chunked';
      if (length !== -1 || !chunked) this.giveUp();
      else this.enter(State.ChunkSize);
    } else if (length > 0) {
      this.enter(State.Body);
      this.remaining = length;
    } else this.enter(State.Start);
  }
}

/** Index of the next LF at or after `pos`, or -1: a plain loop over short header lines, native search beyond. */
function findLF(chunk: Buffer, pos: number): number {
  const stop = Math.min(chunk.length, pos + 256);
  for (let i = pos; i < stop; i++) if (chunk[i] === LF) return i;
  return stop === chunk.length ? -1 : chunk.indexOf(LF, stop);
}

/** Whether `buf[start, end)` begins with `prefix` (lower-case ASCII), ignoring ASCII case. */
function isField(buf: Buffer, start: number, end: number, prefix: Buffer): boolean {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    const b = buf[start + i] ?? 0;
    if ((b >= 0x41 && b <= 0x5a ? b | 0x20 : b) !== prefix[i]) return false;
  }
  return true;
}

/**
 * The target of a rewritten LIST: `list=true` as the first query parameter, and every `list`
 * parameter the client wrote removed, so that the query says "list" and nothing else about it: a
 * LIST is a list whatever its query said (`LIST /v1/a/?list=false` too), and the app needs no
 * other marker (a GET with `?list=true` is a list anyway, as in Vault). A parameter counts as
 * `list` when its name decodes to it the way the app's query parser (node:querystring, as koa
 * uses) decodes it (`li%73t`, for one). First, because that parser stops after 1000 parameters.
 */
export function listRequestTarget(target: string): string {
  const hash = target.indexOf('#');
  const beforeFragment = hash === -1 ? target : target.slice(0, hash);
  const fragment = hash === -1 ? '' : target.slice(hash);
  const q = beforeFragment.indexOf('?');
  const path = q === -1 ? beforeFragment : beforeFragment.slice(0, q);
  const query = q === -1 ? '' : beforeFragment.slice(q + 1);
  const kept = query.split('&').filter((p) => p !== '' && !isListParameter(p));
  return `${path}?${['list=true', ...kept].join('&')}${fragment}`;
}

/** Whether one `name=value` piece of a query is a `list` parameter to the app's query parser. */
function isListParameter(piece: string): boolean {
  return Object.hasOwn(parseQuery(piece), 'list');
}
