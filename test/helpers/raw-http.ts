import { connect } from 'node:net';

/** One HTTP/1.1 response parsed from raw bytes. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Everything a server wrote on one connection, until it closed it. */
export interface RawExchange {
  readonly responses: RawResponse[];
  /** The raw bytes received, as latin1 text. */
  readonly raw: string;
  /** Bytes after the last complete response (a truncated answer). */
  readonly rest: string;
}

/**
 * Writes `pieces` to a fresh TCP connection (each piece in its own write, waiting for it to be
 * flushed) and collects every byte until the server closes it. The client never half-closes (Node
 * aborts requests in flight when it reads end-of-input), so the bytes must make the server close:
 * end them with {@link closingProbe}, a request with `Connection: close` whose answer is the last.
 * Every response before it is one the server chose to send; no timing window is involved.
 */
export function rawExchange(
  port: number,
  pieces: (string | Buffer)[],
  timeoutMs = 20_000,
): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server neither answered nor closed within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {
      /* a reset is a close too; 'close' follows */
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      const { responses, rest } = parseResponses(raw);
      resolve({ responses, raw, rest });
    });
    socket.on('connect', () => {
      void (async () => {
        for (const p of pieces) {
          if (socket.destroyed) return;
          await new Promise<void>((r) =>
            socket.write(p, () => {
              r();
            }),
          );
        }
      })();
    });
  });
}

/** Splits a byte stream into responses (Content-Length, chunked, or bodiless). */
export function parseResponses(raw: string): { responses: RawResponse[]; rest: string } {
  const responses: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const headEnd = raw.indexOf('\r\n\r\n', at);
    if (headEnd < 0) break;
    const lines = raw.slice(at, headEnd).split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (m === null) break;
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    let pos = headEnd + 4;
    let body = '';
    if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      let done = false;
      while (!done) {
        const le = raw.indexOf('\r\n', pos);
        if (le < 0) return { responses, rest: raw.slice(at) };
        const size = Number.parseInt(raw.slice(pos, le), 16);
        pos = le + 2;
        if (size === 0) {
          const te = raw.indexOf('\r\n', pos);
          pos = te < 0 ? raw.length : te + 2;
          done = true;
        } else {
          body += raw.slice(pos, pos + size);
          pos += size + 2;
        }
      }
    } else if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      if (raw.length < pos + n) return { responses, rest: raw.slice(at) };
      body = raw.slice(pos, pos + n);
      pos += n;
    }
    responses.push({ status: Number(m[1]), headers, body });
    at = pos;
  }
  return { responses, rest: raw.slice(at) };
}

/** A request head with CRLF line ends and a blank line; `lines` are the request line and headers. */
export function head(...lines: string[]): string {
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The request that ends an exchange: a cheap GET with `Connection: close`. */
export function closingProbe(port: number): string {
  return head('GET /v1/sys/health/live HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Connection: close');
}
