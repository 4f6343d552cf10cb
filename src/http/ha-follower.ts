import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { FollowTarget, HolderFollower } from '../core/ha/holder-liveness.js';
import type { Logger } from '../helper/logger.js';
import { constantTimeEqual } from '../helper/constant-time.js';
import { pause } from '../helper/pause.js';
import { FOLLOW_HEADER, FOLLOW_PATH, lostHoldMac, signFollowRequest } from './ha-follow-proof.js';

export interface HaFollowerOptions {
  /** This node's id (sent, signed, when opening the link). */
  readonly nodeId: string;
  /** The cluster's follow key (Core.deriveClusterKey(FOLLOW_KEY_PURPOSE)); undefined while sealed. */
  readonly key: () => Buffer | undefined;
  readonly logger: Logger;
  /** How long a connection attempt of the probe may take before it proves nothing (ms). */
  readonly probeTimeoutMs?: number;
}

/** The pauses between probes of a port that still accepted right after its link closed (75 ms in all). */
const REPROBE_MS = [5, 10, 20, 40];

/** What a connection attempt to the holder's port says about its process. */
export type ProbeResult = 'accepting' | 'refused' | 'unknown';

/**
 * Tries a TCP connection to host:port. `refused` (a RST in answer to the SYN) means the host is up
 * and nothing listens on the port: the process that did is gone. A timeout or another error (host
 * unreachable, packets dropped) proves nothing: that is the TTL's case.
 */
export function probePort(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (result: ProbeResult): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => {
      finish('unknown');
    });
    socket.once('connect', () => {
      finish('accepting');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      finish(err.code === 'ECONNREFUSED' ? 'refused' : 'unknown');
    });
  });
}

/** How one open of the link ended. */
type LinkEnd =
  | { readonly kind: 'lost' } // the holder announced (with a valid MAC) that its hold is lost
  | { readonly kind: 'closed'; readonly established: boolean } // stream ended or connection failed
  | { readonly kind: 'refused-link' }; // the node answered, but not as the holder we follow

/**
 * A standby's follow link to the active node (HolderFollower): it keeps `GET /tresor/ha/follow`
 * open against the holder's api_addr. The holder is declared gone when
 * - it announces that its hold is lost (it cannot vouch for it any more: its Consul agent hangs),
 *   with a MAC only a member of the cluster can make; or
 * - the link, once established, closes and the port then refuses connections (at once, or within
 *   the moment REPROBE_MS covers): the kernel of a living host closes a dead process's sockets and
 *   answers RST for its port.
 * A link that was never established never declares anything (a wrong api_addr, a load balancer in
 * between, or a firewall must not make standbys end every new active's hold); neither does a port
 * that still accepts connections or a probe that times out — the lock's TTL covers those.
 */
export class HaFollower implements HolderFollower {
  private current: { readonly target: FollowTarget; readonly stop: AbortController } | undefined;
  private readonly probeTimeoutMs: number;

  constructor(private readonly o: HaFollowerOptions) {
    this.probeTimeoutMs = o.probeTimeoutMs ?? 1000;
  }

  follow(target: FollowTarget | undefined): void {
    if (
      target !== undefined &&
      this.current?.target.holdId === target.holdId &&
      this.current.target.leader.apiAddr === target.leader.apiAddr
    )
      return;
    this.current?.stop.abort();
    this.current = undefined;
    if (target === undefined) return;
    const stop = new AbortController();
    this.current = { target, stop };
    void this.run(target, stop.signal);
  }

  stop(): void {
    this.follow(undefined);
  }

  private async run(target: FollowTarget, signal: AbortSignal): Promise<void> {
    let url: URL;
    try {
      url = new URL(FOLLOW_PATH, target.leader.apiAddr);
    } catch {
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    let everEstablished = false;
    let backoff = 100;
    // (a function: the compiler would otherwise narrow `signal.aborted` to false across the awaits)
    const stopped = (): boolean => signal.aborted;
    while (!stopped()) {
      const end = await this.openLink(url, target.holdId, signal);
      if (stopped()) return;
      if (end.kind === 'lost') {
        target.gone('it reported that it can no longer vouch for its hold on the lock');
        return;
      }
      if (end.kind === 'closed') {
        if (end.established) {
          everEstablished = true;
          backoff = 100;
        }
        if (everEstablished && (await this.refusesSoon(host, port, signal))) {
          if (!stopped()) target.gone(`its follow link closed and ${host}:${port} refuses connections`);
          return;
        }
        if (stopped()) return;
      }
      await pause(backoff, signal);
      backoff = Math.min(backoff * 2, 2000);
    }
  }

  /**
   * Whether host:port refuses connections now or within the next REPROBE_MS, once a link closed: a
   * process being killed may close the link's socket a moment before its listener (the kernel
   * closes a dying process's files in descriptor order), and a probe in that moment is accepted.
   * A probe that proves nothing (timeout, another error) ends the asking: that is the TTL's case.
   */
  private async refusesSoon(host: string, port: number, signal: AbortSignal): Promise<boolean> {
    for (const wait of [0, ...REPROBE_MS]) {
      if (wait > 0) await pause(wait, signal);
      if (signal.aborted) return false;
      const seen = await probePort(host, port, this.probeTimeoutMs);
      if (seen !== 'accepting') return seen === 'refused';
    }
    return false;
  }

  /** Opens the link once and resolves when it ends. */
  private openLink(url: URL, holdId: string, signal: AbortSignal): Promise<LinkEnd> {
    const key = this.o.key();
    if (key === undefined) return Promise.resolve({ kind: 'refused-link' });
    return new Promise<LinkEnd>((resolve) => {
      let established = false;
      let settled = false;
      const finish = (end: LinkEnd): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        req.destroy();
        resolve(end);
      };
      const onAbort = (): void => {
        finish({ kind: 'closed', established });
      };
      const secure = url.protocol === 'https:';
      const req = (secure ? https : http).request(url, {
        method: 'GET',
        agent: false,
        headers: { [FOLLOW_HEADER]: signFollowRequest(key, this.o.nodeId), accept: 'application/x-ndjson' },
      });
      req.setNoDelay(true);
      signal.addEventListener('abort', onAbort, { once: true });
      req.once('error', () => {
        finish({ kind: 'closed', established });
      });
      req.once('response', (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          finish({ kind: 'refused-link' });
          return;
        }
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            if (line === '') continue;
            const message = parseLine(line);
            if (!established) {
              if (message?.hold !== holdId) {
                finish({ kind: 'refused-link' });
                return;
              }
              established = true;
              this.o.logger.info({ active: url.origin }, 'following the active node');
              continue;
            }
            if (
              message?.lost === holdId &&
              typeof message.mac === 'string' &&
              constantTimeEqual(message.mac, lostHoldMac(key, holdId))
            ) {
              finish({ kind: 'lost' });
              return;
            }
          }
          if (buffered.length > 4096) finish({ kind: 'refused-link' });
        });
        res.once('end', () => {
          finish({ kind: 'closed', established });
        });
        res.once('error', () => {
          finish({ kind: 'closed', established });
        });
        res.once('close', () => {
          finish({ kind: 'closed', established });
        });
      });
      req.end();
    });
  }
}

function parseLine(line: string): { hold?: unknown; lost?: unknown; mac?: unknown } | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}
