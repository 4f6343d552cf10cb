/**
 * Forwarding names outside the domain to upstream resolvers (the DNSmasq role). Each upstream is
 * tried in turn over UDP with a timeout; each attempt uses a fresh socket (random source port) and
 * a fresh random id, and only an answer from that upstream with that id is accepted. A truncated
 * UDP answer is fetched again over TCP when the client itself asked over TCP. The caller gets the
 * upstream's answer with the client's id restored, or undefined when every upstream failed.
 */
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIP, connect } from 'node:net';
import type { HostPort } from './config.js';

/** The outcome of one forward. */
export type ForwardResult =
  | { readonly ok: true; readonly wire: Buffer; readonly upstream: HostPort }
  | { readonly ok: false; readonly errors: readonly string[] };

/** Forwards raw queries to the configured upstreams. */
export class Forwarder {
  constructor(
    private readonly upstreams: readonly HostPort[],
    private readonly timeoutMs: number,
  ) {}

  /** Whether there is anywhere to forward to. */
  get enabled(): boolean {
    return this.upstreams.length > 0;
  }

  /** Forwards `query` (a complete DNS message); `overTcp` says how the client asked. */
  async forward(query: Buffer, overTcp: boolean): Promise<ForwardResult> {
    const errors: string[] = [];
    for (const upstream of this.upstreams) {
      try {
        let wire = await this.exchangeUdp(query, upstream);
        if (overTcp && ((wire[2] ?? 0) & 0x02) !== 0) wire = await this.exchangeTcp(query, upstream);
        const out = Buffer.from(wire);
        query.copy(out, 0, 0, 2);
        return { ok: true, wire: out, upstream };
      } catch (err) {
        errors.push(`${upstream.host}:${upstream.port}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return { ok: false, errors };
  }

  private exchangeUdp(query: Buffer, upstream: HostPort): Promise<Buffer> {
    const id = randomInt(0x10000);
    const message = withId(query, id);
    const socket = createSocket(isIP(upstream.host) === 6 ? 'udp6' : 'udp4');
    return new Promise<Buffer>((resolve, reject) => {
      let done = false;
      const finish = (err: Error | undefined, wire?: Buffer): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.removeAllListeners('message');
        socket.on('error', () => undefined);
        socket.close();
        if (err !== undefined || wire === undefined) reject(err ?? new Error('no answer'));
        else resolve(wire);
      };
      const timer = setTimeout(() => {
        finish(new Error(`no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      socket.once('error', (err) => {
        finish(err);
      });
      socket.on('message', (wire, from) => {
        if (from.port !== upstream.port || !sameAddress(from.address, upstream.host)) return;
        if (wire.length < 12 || wire.readUInt16BE(0) !== id || ((wire[2] ?? 0) & 0x80) === 0) return;
        finish(undefined, wire);
      });
      socket.send(message, upstream.port, upstream.host, (err) => {
        if (err) finish(err);
      });
    });
  }

  private exchangeTcp(query: Buffer, upstream: HostPort): Promise<Buffer> {
    const id = randomInt(0x10000);
    const message = withId(query, id);
    return new Promise<Buffer>((resolve, reject) => {
      const socket = connect({ host: upstream.host, port: upstream.port });
      let received = Buffer.alloc(0);
      let done = false;
      const finish = (err: Error | undefined, wire?: Buffer): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.destroy();
        if (err !== undefined || wire === undefined) reject(err ?? new Error('no answer'));
        else resolve(wire);
      };
      const timer = setTimeout(() => {
        finish(new Error(`no TCP answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      socket.on('error', (err) => {
        finish(err);
      });
      socket.on('connect', () => {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(message.length);
        socket.write(Buffer.concat([length, message]));
      });
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length < 2) return;
        const size = received.readUInt16BE(0);
        if (received.length < 2 + size) return;
        const wire = received.subarray(2, 2 + size);
        if (wire.length < 12 || wire.readUInt16BE(0) !== id) finish(new Error('mismatched TCP answer'));
        else finish(undefined, Buffer.from(wire));
      });
      socket.on('end', () => {
        finish(new Error('connection closed before an answer'));
      });
    });
  }
}

function withId(query: Buffer, id: number): Buffer {
  const copy = Buffer.from(query);
  copy.writeUInt16BE(id, 0);
  return copy;
}

function sameAddress(a: string, b: string): boolean {
  return a === b || a.replace(/^::ffff:/, '') === b.replace(/^::ffff:/, '');
}
