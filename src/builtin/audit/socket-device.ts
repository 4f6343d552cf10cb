import dgram from 'node:dgram';
import net from 'node:net';
import type { AuditDevice, AuditDeviceFactory } from '../../logical/audit.js';
import { InvalidRequestError } from '../../helper/errors.js';
import { DurationError, parseGoDuration } from '../../helper/go/duration.js';
import { LineWriter } from './line-writer.js';

const SOCKET_OPTIONS = new Set(['address', 'socket_type', 'write_timeout']);
const DEFAULT_WRITE_TIMEOUT_MS = 2000;

type SocketType = 'tcp' | 'udp' | 'unix';

/** host:port of a tcp or udp address ("[::1]:9090" included). */
function hostPort(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address);
  const port = Number(match?.[3]);
  const host = match?.[1] ?? match?.[2];
  if (host === undefined || !(port > 0 && port < 65536))
    throw new InvalidRequestError(`address must be host:port for a tcp or udp socket, not "${address}"`);
  return { host, port };
}

/** A stream connection (tcp, unix) opened on demand, dropped on any error, written with callbacks. */
class StreamSink {
  private socket: net.Socket | undefined;

  constructor(
    private readonly connectOptions: net.NetConnectOpts,
    private readonly timeoutMs: number,
  ) {}

  /** Writes `data`; after a failure on an existing connection, reconnects and tries once more. */
  async send(data: string): Promise<void> {
    const reused = this.socket !== undefined;
    try {
      await this.writeOn(await this.connected(), data);
    } catch (err) {
      this.drop();
      if (!reused) throw err;
      await this.writeOn(await this.connected(), data);
    }
  }

  drop(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private connected(): Promise<net.Socket> {
    const open = this.socket;
    if (open !== undefined) return Promise.resolve(open);
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.connectOptions);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`could not connect within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        // A connection that fails or closes later is dropped; the next write connects anew.
        socket.on('error', () => {
          if (this.socket === socket) this.drop();
        });
        socket.on('close', () => {
          if (this.socket === socket) this.socket = undefined;
        });
        this.socket = socket;
        resolve(socket);
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  private writeOn(socket: net.Socket, data: string): Promise<void> {
    return new Promise((resolve, reject) => {
      socket.write(data, (err) => {
        if (err) reject(err);
        else resolve();
      });
    });
  }
}

/** One datagram per entry. */
class DatagramSink {
  private readonly socket: dgram.Socket;

  constructor(private readonly target: { host: string; port: number }) {
    this.socket = dgram.createSocket(net.isIPv6(target.host) ? 'udp6' : 'udp4');
    this.socket.on('error', () => undefined);
    this.socket.unref();
  }

  async send(data: string): Promise<void> {
    for (const line of data.split('\n')) {
      if (line === '') continue;
      await new Promise<void>((resolve, reject) => {
        this.socket.send(`${line}\n`, this.target.port, this.target.host, (err) => {
          if (err) reject(err);
          else resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}

class SocketDevice implements AuditDevice {
  private readonly writer: LineWriter;

  constructor(
    private readonly sink: StreamSink | DatagramSink,
    timeoutMs: number,
    what: string,
  ) {
    this.writer = new LineWriter((data) => sink.send(data), timeoutMs, what);
  }

  write(line: string): Promise<void> {
    return this.writer.write(line);
  }

  /** Drops a stream connection (the next entry connects again). */
  reopen(): Promise<void> {
    if (this.sink instanceof StreamSink) this.sink.drop();
    return Promise.resolve();
  }

  async close(): Promise<void> {
    await this.writer.idle();
    if (this.sink instanceof StreamSink) this.sink.drop();
    else this.sink.close();
  }
}

/**
 * The `socket` device: each entry to `address` over `socket_type` tcp (default), udp (one datagram
 * per entry) or unix (a stream socket at a path). A stream connects when the first entry comes and
 * again after it broke (one retry per write); `write_timeout` (default 2s) bounds a connect and a
 * write together, so a peer that stops reading fails the entries instead of hanging them.
 */
export const socketDevice: AuditDeviceFactory = (options, known) => {
  for (const key of Object.keys(options))
    if (!known.has(key) && !SOCKET_OPTIONS.has(key))
      throw new InvalidRequestError(`unknown option "${key}" for an audit device of type "socket"`);
  const address = options.address ?? '';
  if (address === '') throw new InvalidRequestError('address is required');
  const type = (options.socket_type ?? 'tcp') as SocketType;
  if (!['tcp', 'udp', 'unix'].includes(type))
    throw new InvalidRequestError(`socket_type must be tcp, udp or unix, not "${options.socket_type ?? ''}"`);
  let timeoutMs = DEFAULT_WRITE_TIMEOUT_MS;
  if ((options.write_timeout ?? '') !== '') {
    try {
      timeoutMs = Math.round(parseGoDuration(options.write_timeout ?? '') * 1000);
    } catch (err) {
      if (!(err instanceof DurationError)) throw err;
      throw new InvalidRequestError(`write_timeout: ${err.message}`);
    }
    if (!(timeoutMs > 0)) throw new InvalidRequestError('write_timeout must be a positive duration');
  }
  const what = `audit socket ${type}:${address}`;
  if (type === 'udp')
    return Promise.resolve(new SocketDevice(new DatagramSink(hostPort(address)), timeoutMs, what));
  const connect: net.NetConnectOpts = type === 'unix' ? { path: address } : hostPort(address);
  return Promise.resolve(new SocketDevice(new StreamSink(connect, timeoutMs), timeoutMs, what));
};
