/**
 * The UDP side: dns2's UDPServer with the header check of packet.ts in front of its parser. Every
 * received datagram is counted; malformed ones are answered FORMERR (queries) or dropped
 * (responses, runts), and nothing a client sends can throw out of the socket's handler.
 */
import type { RemoteInfo } from 'node:dgram';
import dns2 from 'dns2';
import { checkQuery, formerrFor } from './packet.js';

/** Called with each parsed query; the answer is sent with `send`. */
export type UdpQueryHandler = (
  request: dns2.Packet,
  send: (wire: Buffer) => void,
  client: RemoteInfo,
) => void;

/** What the listener reports. */
export interface UdpListenerEvents {
  onMalformed(reason: string): void;
  onSendError(err: Error): void;
}

/** dns2's UDP server, guarded. */
export class UdpListener extends dns2.UDPServer {
  constructor(
    type: 'udp4' | 'udp6',
    handler: UdpQueryHandler,
    private readonly events: UdpListenerEvents,
  ) {
    super({ type });
    this.on('request', (request: dns2.Packet, send: (r: Buffer) => Promise<Buffer>, client: unknown) => {
      handler(
        request,
        (wire) => {
          send(wire).catch((err: unknown) => {
            events.onSendError(err instanceof Error ? err : new Error(String(err)));
          });
        },
        client as RemoteInfo,
      );
    });
    this.on('requestError', (err: unknown) => {
      events.onMalformed(err instanceof Error ? err.message : String(err));
    });
    // A socket error (ICMP unreachable on send, ...) must not become an unhandled 'error' event.
    this.on('error', (err: Error) => {
      events.onSendError(err);
    });
  }

  override handle(data: Buffer, rinfo: RemoteInfo): void {
    const verdict = checkQuery(data);
    if (verdict === 'parse') {
      super.handle(data, rinfo);
      return;
    }
    this.events.onMalformed(verdict === 'drop' ? 'not a query' : 'malformed header');
    if (verdict === 'formerr') {
      this.send(formerrFor(data), rinfo.port, rinfo.address, (err) => {
        if (err) this.events.onSendError(err);
      });
    }
  }

  /** Binds to `host:port`; resolves with the port bound. */
  async bindTo(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(err);
      };
      this.once('error', onError);
      this.bind(port, host, () => {
        this.off('error', onError);
        resolve();
      });
    });
    return this.address().port;
  }
}
