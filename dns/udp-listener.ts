/**
 * The UDP side: dns2's UDPServer socket with the header check of packet.ts and the fast path
 * (query-scan.ts, answer-cache.ts) in front of dns2's parser. Every received datagram is counted;
 * malformed ones are answered FORMERR (queries) or dropped (responses, runts), and nothing a
 * client sends can throw out of the socket's handler.
 */
import type { RemoteInfo } from 'node:dgram';
import dns2 from 'dns2';
import { intake, type FastAnswer } from './intake.js';

/** Called with each parsed query and the bytes it was parsed from; the answer is sent with `send`. */
export type UdpQueryHandler = (
  request: dns2.Packet,
  send: (wire: Buffer) => void,
  client: RemoteInfo,
  data: Buffer,
) => void;

/** What the listener reports. */
export interface UdpListenerEvents {
  onMalformed(reason: string): void;
  onSendError(err: Error): void;
}

/** dns2's UDP socket, guarded, with a fast path in front of the parser. */
export class UdpListener extends dns2.UDPServer {
  private readonly afterSend: (err: Error | null) => void;
  private readonly onMalformed: (reason: string) => void;

  constructor(
    type: 'udp4' | 'udp6',
    private readonly handler: UdpQueryHandler,
    private readonly events: UdpListenerEvents,
    private readonly fast: FastAnswer = () => undefined,
  ) {
    super({ type });
    this.onMalformed = (reason) => {
      events.onMalformed(reason);
    };
    // One callback for every send (none allocated per query); it only reports failures.
    this.afterSend = (err) => {
      if (err) events.onSendError(err);
    };
    // A socket error (ICMP unreachable on send, ...) must not become an unhandled 'error' event.
    this.on('error', (err: Error) => {
      events.onSendError(err);
    });
  }

  /** Every received datagram: checked, answered by the fast path, or parsed and handed over. */
  override handle(data: Buffer, rinfo: RemoteInfo): void {
    const taken = intake(data, this.fast, this.onMalformed);
    if (taken === undefined) return;
    if (Buffer.isBuffer(taken)) {
      this.send(taken, rinfo.port, rinfo.address, this.afterSend);
      return;
    }
    this.handler(
      taken,
      (wire) => {
        this.send(wire, rinfo.port, rinfo.address, this.afterSend);
      },
      rinfo,
      data,
    );
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
