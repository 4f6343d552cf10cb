import { randomBytes } from 'node:crypto';
import type { Logger } from '../../src/helper/logger.js';
import type { ConsulClient } from '../client/client.js';
import { isAborted, pause } from '../client/watch-key.js';

/** Timing of a lock session (milliseconds). */
export interface LockSessionTiming {
  readonly sessionTtlMs: number;
  readonly checkTtlMs: number;
  readonly lockDelayMs: number;
}

/** How long a session that could not be destroyed is retried (then Consul's TTL ends it). */
const DESTROY_RETRY_MS = 15 * 60_000;

/** Consul's node health check, which Consul binds sessions to by default. */
const SERF_HEALTH = 'serfHealth';

/** Name of the agent service that carries the lock sessions' TTL checks. */
export const LOCK_SERVICE_NAME = 'tresor-lock';

/**
 * A Consul session bound to a short TTL health check that this process keeps passing.
 *
 * The check belongs to a small service (`tresor-lock`, one instance per node id) registered on the
 * local agent, so that a stale critical check after a crash marks only that service unhealthy,
 * never the node and the other services on it, and is reaped after a minute. The session depends on
 * that check and on `serfHealth`: if this process dies or stalls, the check goes critical within
 * `check_ttl` and Consul invalidates the session (releasing its locks).
 *
 * The check is passed every fifth of check_ttl and the session renewed every quarter of
 * session_ttl (retried every 500 ms after a failure). `lost` aborts when the session is gone or can
 * no longer be vouched for: Consul says it no longer knows it, or no pass / renewal has succeeded
 * for 3/4 of check_ttl / session_ttl, measured from when the last good one was sent (Consul starts
 * its timers later, and waits twice the session TTL). It fires from a local timer, so a node cut
 * off from Consul demotes itself before Consul can invalidate its session and before another node
 * can take the lock (which also has to wait for the lock-delay).
 */
export class LockSession {
  private readonly lostController = new AbortController();
  private readonly stopLoops = new AbortController();
  private lastPassOk: number;
  private lastRenewOk: number;
  private watchdog: NodeJS.Timeout | undefined;
  private closed = false;

  /** Aborts, with an Error as reason, when the session is lost. */
  readonly lost: AbortSignal = this.lostController.signal;

  private constructor(
    private readonly client: ConsulClient,
    readonly id: string,
    private readonly serviceId: string,
    private readonly checkId: string,
    private readonly timing: LockSessionTiming,
    private readonly logger: Logger | undefined,
    startedAt: number,
  ) {
    this.lastPassOk = startedAt;
    this.lastRenewOk = startedAt;
  }

  /** Registers the check, creates the session and starts keeping both alive. */
  static async open(
    client: ConsulClient,
    nodeId: string,
    timing: LockSessionTiming,
    signal: AbortSignal,
    logger?: Logger,
  ): Promise<LockSession> {
    // One service (and check) per session: the deregistration of a closing session can then never
    // remove the check a newer session of the same node is bound to.
    const serviceId = `${LOCK_SERVICE_NAME}:${nodeId}:${randomBytes(4).toString('hex')}`;
    const checkId = `${serviceId}:ttl`;
    const startedAt = Date.now();
    let id: string;
    try {
      await client.serviceRegister(
        {
          id: serviceId,
          name: LOCK_SERVICE_NAME,
          checkId,
          checkName: 'tresor HA lock liveness',
          ttl: `${timing.checkTtlMs}ms`,
          deregisterCriticalAfter: '1m',
          meta: { 'external-source': 'tresor', 'node-id': nodeId },
        },
        { signal },
      );
      id = await client.sessionCreate(
        {
          name: 'tresor lock',
          ttl: `${Math.ceil(timing.sessionTtlMs / 1000)}s`,
          lockDelay: `${timing.lockDelayMs}ms`,
          behavior: 'release',
          nodeChecks: [SERF_HEALTH],
          serviceChecks: [checkId],
        },
        { signal },
      );
    } catch (err) {
      await client.serviceDeregister(serviceId, { timeoutMs: 5000 }).catch(() => undefined);
      throw err;
    }
    const session = new LockSession(client, id, serviceId, checkId, timing, logger, startedAt);
    session.armWatchdog();
    void session.passLoop();
    void session.renewLoop();
    return session;
  }

  /**
   * Stops keeping the session alive, destroys it (releasing what it holds; `releaseKey` first frees
   * that key with `?release=`, to which Consul applies no lock-delay) and removes the check. When
   * Consul does not answer (an outage), the destroy is retried in the background until it does:
   * Consul restarts every session's TTL when a leader is elected, so a session left behind would
   * otherwise hold the lock for two TTLs, and the lock-delay, after Consul is back.
   */
  async close(releaseKey?: string): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopLoops.abort();
    clearTimeout(this.watchdog);
    this.markLost(new Error('lock session closed'));
    const destroyed = await this.destroy(releaseKey).then(
      () => true,
      (err: unknown) => {
        this.logger?.warn(
          { session: this.id, err: (err as Error).message },
          'could not destroy the lock session; retrying until Consul answers',
        );
        return false;
      },
    );
    // Deregistering the check is local to the agent; it also invalidates the session once synced.
    await this.client.serviceDeregister(this.serviceId, { timeoutMs: 5000 }).catch((err: unknown) => {
      this.logger?.warn({ session: this.id, err: String(err) }, 'could not deregister the lock check');
    });
    if (!destroyed) void this.destroyEventually(releaseKey);
  }

  private async destroy(releaseKey: string | undefined): Promise<void> {
    if (releaseKey !== undefined)
      await this.client.kvPut(releaseKey, Buffer.alloc(0), { release: this.id }, { timeoutMs: 5000 });
    await this.client.sessionDestroy(this.id, { timeoutMs: 5000 });
  }

  /** Retries destroy() (at most every 2 s, for up to DESTROY_RETRY_MS) without keeping the process alive. */
  private async destroyEventually(releaseKey: string | undefined): Promise<void> {
    const giveUpAt = Date.now() + DESTROY_RETRY_MS;
    for (let wait = 250; Date.now() < giveUpAt; wait = Math.min(wait * 2, 2000)) {
      await new Promise((resolve) => setTimeout(resolve, wait).unref());
      try {
        await this.destroy(releaseKey);
        this.logger?.info({ session: this.id }, 'destroyed the lock session Consul could not be told about');
        return;
      } catch {
        // still unreachable
      }
    }
  }

  /**
   * Until when this process can vouch for the session from its own timers: the watchdog's deadline
   * (3/4 of check_ttl after the last good pass was sent, 3/4 of session_ttl after the last good
   * renewal). A synchronous check against it holds even when the watchdog's timer runs late (an
   * event loop resumed after a stall serves queued I/O before due timers).
   */
  vouchedUntil(): number {
    if (this.closed || this.lost.aborted) return 0;
    const { pass, renew } = this.deadlines();
    return Math.min(pass, renew);
  }

  /** When the last good pass and the last good renewal stop vouching for the session. */
  private deadlines(): { pass: number; renew: number } {
    return {
      pass: this.lastPassOk + (this.timing.checkTtlMs * 3) / 4,
      renew: this.lastRenewOk + (this.timing.sessionTtlMs * 3) / 4,
    };
  }

  private markLost(reason: Error): void {
    if (this.lostController.signal.aborted) return;
    this.lostController.abort(reason);
  }

  /** Fires `lost` when the older of the two last confirmations runs out of its safety window. */
  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    if (this.closed || this.lost.aborted) return;
    const { pass: passDeadline, renew: renewDeadline } = this.deadlines();
    const deadline = Math.min(passDeadline, renewDeadline);
    const expire = (): void => {
      const now = Date.now();
      if (now < deadline) {
        this.watchdog = setTimeout(expire, deadline - now);
        return;
      }
      const what =
        passDeadline <= renewDeadline
          ? `could not pass the lock check for ${now - this.lastPassOk} ms (check_ttl ${this.timing.checkTtlMs} ms)`
          : `could not renew the session for ${now - this.lastRenewOk} ms (session_ttl ${this.timing.sessionTtlMs} ms)`;
      this.logger?.warn({ session: this.id }, `giving up the HA lock: ${what}`);
      this.markLost(new Error(what));
    };
    this.watchdog = setTimeout(expire, Math.max(0, deadline - Date.now()));
  }

  private async passLoop(): Promise<void> {
    const interval = this.timing.checkTtlMs / 5;
    const stop = this.stopLoops.signal;
    while (!stop.aborted && !this.lost.aborted) {
      const sentAt = Date.now();
      try {
        await this.client.checkPass(this.checkId, { signal: stop, timeoutMs: Math.max(interval * 2, 100) });
        // Consul restarts the TTL when it processes the pass, which is after we sent it.
        this.lastPassOk = Math.max(this.lastPassOk, sentAt);
        this.armWatchdog();
      } catch (err) {
        if (isAborted(stop)) return;
        this.logger?.debug(
          { check: this.checkId, err: (err as Error).message },
          'passing the lock check failed',
        );
      }
      await pause(Math.max(0, interval - (Date.now() - sentAt)), stop);
    }
  }

  private async renewLoop(): Promise<void> {
    const interval = this.timing.sessionTtlMs / 4;
    const retry = Math.min(500, interval);
    const stop = this.stopLoops.signal;
    // Counted from when open() began, not from when it returned: a create that Consul held back
    // (a client agent waits out an election) must not eat into the first renewal's window.
    await pause(Math.max(0, this.lastRenewOk + interval - Date.now()), stop);
    while (!stop.aborted && !this.lost.aborted) {
      const sentAt = Date.now();
      let wait = interval;
      try {
        const known = await this.client.sessionRenew(this.id, { signal: stop, timeoutMs: interval });
        if (!known) {
          this.markLost(new Error('Consul invalidated the lock session'));
          return;
        }
        this.lastRenewOk = Math.max(this.lastRenewOk, sentAt);
        this.armWatchdog();
      } catch (err) {
        if (isAborted(stop)) return;
        wait = retry;
        this.logger?.debug(
          { session: this.id, err: (err as Error).message },
          'renewing the lock session failed',
        );
      }
      await pause(Math.max(0, wait - (Date.now() - sentAt)), stop);
    }
  }
}
