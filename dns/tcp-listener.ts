/**
 * The TCP side (RFC 1035 §4.2.2, RFC 7766): length-prefixed messages, several queries per
 * connection, answers in any order, an idle timeout, a bound on connections. Framing is ours
 * because dns2's TCPServer hands each message to its parser before any hook could check it (see
 * packet.ts); the messages are parsed and encoded with dns2's Packet like on UDP.
 */
import { createServer, type Server, type Socket } from 'node:net';
import dns2 from 'dns2';
import { intake, type FastAnswer } from './intake.js';

/** Called with each parsed query and its bytes; the answer is sent with `send`. */
export type TcpQueryHandler = (
  request: dns2.Packet,
  send: (wire: Buffer) => void,
  client: Socket,
  data: Buffer,
) => void;

/** What the listener reports. */
export interface TcpListenerEvents {
  onMalformed(reason: string): void;
}

/** Options of the TCP listener. */
export interface TcpListenerOptions {
  /** Close a connection idle this long; 10 s by default (RFC 7766 §6.2.3). */
  readonly idleTimeoutMs?: number;
  /** At most this many open connections; 512 by default. */
  readonly maxConnections?: number;
}

/** A DNS-over-TCP server. */
export class TcpListener {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly handler: TcpQueryHandler,
    private readonly events: TcpListenerEvents,
    private readonly options: TcpListenerOptions = {},
    private readonly fast: FastAnswer = () => undefined,
  ) {
    this.server = createServer((socket) => {
      this.serve(socket);
    });
    this.server.maxConnections = options.maxConnections ?? 512;
    this.server.on('error', () => undefined);
  }

  /** Listens on `host:port`; resolves with the port bound. */
  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(err);
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : port;
  }

  /** Whether the server is accepting connections. */
  get listening(): boolean {
    return this.server.listening;
  }

  /** Stops accepting and closes every connection. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(this.options.idleTimeoutMs ?? 10_000);
    socket.on('timeout', () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
    let pending: Buffer = Buffer.alloc(0);
    const send = (wire: Buffer): void => {
      if (socket.destroyed || !socket.writable) return;
      const length = Buffer.alloc(2);
      length.writeUInt16BE(wire.length);
      socket.write(Buffer.concat([length, wire]));
    };
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const size = pending.readUInt16BE(0);
        if (pending.length < 2 + size) break;
        const message = pending.subarray(2, 2 + size);
        pending = pending.subarray(2 + size);
        this.message(Buffer.from(message), send, socket);
      }
    });
  }

  private message(data: Buffer, send: (wire: Buffer) => void, socket: Socket): void {
    const taken = intake(data, this.fast, this.onMalformed);
    if (taken === undefined) return;
    if (Buffer.isBuffer(taken)) send(taken);
    else this.handler(taken, send, socket, data);
  }

  private readonly onMalformed = (reason: string): void => {
    this.events.onMalformed(reason);
  };
}
