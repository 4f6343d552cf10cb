/**
 * The LIST verb at the connection level.
 *
 * hvac and node-vault send `LIST /v1/secret/metadata/ HTTP/1.1`. Node's HTTP parser (llhttp) only
 * knows the methods in `http.METHODS` and answers any other with a bare 400 before a request handler
 * runs, so the request line has to be rewritten before llhttp sees the bytes:
 *
 *     LIST /v1/a/?x=1&list=false HTTP/1.x     →      GET /v1/a/?list=true&x=1 HTTP/1.x
 *
 * The query carries the meaning, and only the shim's own `list=true` is left in it: every `list`
 * parameter the client wrote is dropped (see `listRequestTarget`), so a LIST is a list whatever
 * its query said, and nothing a client can send makes it anything else. No header marks the
 * rewrite: the app maps GET `?list=true` to a list, as Vault does, which gives a client nothing it
 * could not ask for with a plain GET; and the rewritten request means the same when a standby
 * forwards it to the active node, which only sees its URL.
 *
 * How it hooks in. `installListMethodShim(server)` prepends a listener to the event on which Node
 * hands a connection to its HTTP machinery: `connection` for `http.Server`, `secureConnection` for
 * `https.Server` (a TLSSocket, so the shim sees decrypted bytes). Being first, it prepares the
 * socket before Node's own listener attaches the parser:
 *   1. It shadows the socket's `push` with an own property. Every byte a socket delivers goes
 *      through `push`: Node's stream-base `onStreamRead` calls `stream.push(buf)` for TCP and for
 *      TLS cleartext alike, and a user-made Duplex does the same.
 *   2. It marks the native handle as consumed (`_handle._consumed = true`). Otherwise Node's
 *      listener plugs llhttp into the handle natively (`parser.consume`) and the bytes never reach
 *      JavaScript. With the mark Node feeds its parser from 'data' events instead — its path for
 *      any Duplex, and the one it falls back to whenever a 'data' listener is added to the socket.
 * Both internals have been stable since Node 8 and match on Node 20 and 22; the unit tests, which
 * use real sockets, fail loudly should either change.
 *
 * Framing. To know where the next request line starts, the rewriter follows HTTP/1.1 message
 * framing: end of head, Content-Length bodies, chunked bodies (chunk sizes, extensions, trailers).
 * Body bytes are never inspected for LIST. Pipelined requests in one chunk and request lines split
 * anywhere (even byte by byte) give the same output. It gives up for the rest of the connection and
 * forwards every byte unchanged (Node then answers or closes as it sees fit) on anything it does not
 * fully understand: CONNECT, an `Upgrade` header, Transfer-Encoding with Content-Length or not
 * ending in chunked, a bad or repeated Content-Length, obsolete header folding, a malformed LIST
 * line, or a head (or chunk-size line) over `maxHeadBytes` (64 KiB by default).
 *
 * Cost. Only the first bytes of a request line ("LIST " at most) and the rest of a LIST line are
 * held back. A chunk without LIST is forwarded as the same Buffer, uncopied; the rewriter only
 * searches it for line ends and decodes the few header lines that can change framing. Once the
 * rewriter gives up, the original `push` is put back.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';

import { DEFAULT_MAX_HEAD_BYTES, ListRequestRewriter } from './list-request-rewriter.js';

export { DEFAULT_MAX_HEAD_BYTES, ListRequestRewriter, listRequestTarget } from './list-request-rewriter.js';

/** Options of {@link installListMethodShim}. */
export interface ListMethodShimOptions {
  /** Past this many bytes in one head the connection is passed through unchanged (default 64 KiB). */
  readonly maxHeadBytes?: number;
}

const kInstalled = Symbol('tresor.listMethodShim');

/** Rewrites LIST requests on every connection `server` accepts (plain or TLS). Idempotent. */
export function installListMethodShim(
  server: HttpServer | HttpsServer,
  options: ListMethodShimOptions = {},
): void {
  const marked = server as { [kInstalled]?: boolean };
  if (marked[kInstalled] === true) return;
  marked[kInstalled] = true;
  const maxHeadBytes = options.maxHeadBytes ?? DEFAULT_MAX_HEAD_BYTES;
  const event = server instanceof TlsServer ? 'secureConnection' : 'connection';
  (server as NetServer).prependListener(event, (socket: Duplex) => {
    shimSocket(socket, maxHeadBytes);
  });
}

interface MaybeStreamHandle {
  _consumed?: boolean;
}

/**
 * Rewrites LIST requests on one connection, before anything reads it. For servers that are handed
 * connections some other way; `installListMethodShim` calls it for each connection.
 */
export function shimSocket(socket: Duplex, maxHeadBytes = DEFAULT_MAX_HEAD_BYTES): void {
  const rewriter = new ListRequestRewriter(maxHeadBytes);
  const push = socket.push.bind(socket);
  socket.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk === null) {
      const held = rewriter.end();
      socket.push = push;
      if (held !== undefined) push(held);
      return push(null);
    }
    if (!Buffer.isBuffer(chunk)) return push(chunk, encoding);
    const out = rewriter.write(chunk);
    if (rewriter.passingThrough) socket.push = push;
    return out.length === 0 ? true : push(out);
  };
  const handle = (socket as unknown as { _handle?: MaybeStreamHandle | null })._handle;
  if (handle !== undefined && handle !== null) handle._consumed = true;
  // Bytes that arrived before this hook (not expected: the hook runs as the connection is handed over).
  if (socket.readableLength > 0) {
    const buffered: unknown = socket.read();
    if (Buffer.isBuffer(buffered)) {
      const out = rewriter.write(buffered);
      if (out.length > 0) socket.unshift(out);
    }
  }
}
