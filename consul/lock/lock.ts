import type { Logger } from '../../src/helper/logger.js';
import type { HaLock, LeaderAdvertisement } from '../../src/physical/types.js';
import type { ConsulClient } from '../client/client.js';
import { encodeAdvertisement, encodePromoting } from '../contract.js';
import type { Fence, FenceSlot } from './fencing.js';
import { LockSession, type LockSessionTiming } from './lock-session.js';
import { pause, watchKey } from '../client/watch-key.js';

/** What a ConsulLock needs from its backend. */
export interface ConsulLockDeps {
  readonly client: ConsulClient;
  readonly fences: FenceSlot;
  /** Full KV key of the lock, prefix included. */
  readonly key: string;
  readonly advertisement: LeaderAdvertisement;
  /** Take the key with a value naming no leader; `advertise()` writes the advertisement later. */
  readonly deferAdvertisement?: boolean;
  readonly timing: LockSessionTiming & { readonly lockWaitMs: number };
  readonly logger?: Logger;
  /** Aborts when the backend closes: pending acquires stop. */
  readonly closed: AbortSignal;
}

/** An acquire waiting for the key with an open session; `takeOver` wakes it when it took the key. */
interface Waiting {
  readonly session: LockSession;
  readonly wake: AbortController;
  took: boolean;
}

interface Holding {
  readonly session: LockSession;
  readonly fence: Fence;
  readonly lost: AbortController;
  stopWatch: () => void;
}

/**
 * The HA lock on Consul (README.md, "High availability on Consul"). `acquire` opens a session bound to a TTL check this process
 * passes (see LockSession), waits with blocking queries until the key is free and takes it with
 * `?acquire=`, the advertisement as value. While held, the backend fences every write with it. The
 * returned signal aborts when the session is invalidated (seen by a blocking-query watch on the
 * key), when the check or session cannot be refreshed within the safety window, or when a fenced
 * write is refused. After a loss, this backend refuses writes until `release()` or a new `acquire`.
 */
export class ConsulLock implements HaLock {
  private holding: Holding | undefined;
  private waiting: Waiting | undefined;
  /** What `?acquire=` writes: the advertisement, or a value naming no leader until `advertise()`. */
  private readonly value: Buffer;
  private readonly advertisement: Buffer;

  constructor(private readonly deps: ConsulLockDeps) {
    this.advertisement = encodeAdvertisement(deps.advertisement);
    this.value = deps.deferAdvertisement ? encodePromoting(deps.advertisement.nodeId) : this.advertisement;
  }

  /** Puts the advertisement into the held key (Consul updates the value of a key its session holds). */
  async advertise(): Promise<void> {
    const holding = this.holding;
    if (holding === undefined || holding.lost.signal.aborted) throw new Error('the HA lock is not held');
    const { client, key } = this.deps;
    const ok = await client.kvPut(
      key,
      this.advertisement,
      { acquire: holding.session.id },
      { timeoutMs: 5000 },
    );
    if (!ok) throw new Error('the HA lock key is no longer held by this node’s session');
  }

  get holdId(): string | undefined {
    const holding = this.holding;
    return holding === undefined || holding.lost.signal.aborted ? undefined : holding.session.id;
  }

  async acquire(cancelled: AbortSignal): Promise<AbortSignal> {
    const cancel = AbortSignal.any([cancelled, this.deps.closed]);
    if (this.holding !== undefined && !this.holding.lost.signal.aborted)
      throw new Error('the HA lock is already held by this lock');
    const { client, advertisement, timing, logger } = this.deps;
    let backoff = 250;
    for (;;) {
      cancel.throwIfAborted();
      let session: LockSession;
      try {
        session = await LockSession.open(client, advertisement.nodeId, timing, cancel, logger);
      } catch (err) {
        cancel.throwIfAborted();
        logger?.warn({ err: (err as Error).message }, 'could not open a Consul lock session; retrying');
        await pause(backoff, cancel);
        backoff = Math.min(backoff * 2, 2000);
        continue;
      }
      backoff = 250;
      let acquired = false;
      try {
        acquired = await this.waitAndTake(session, cancel);
      } catch (err) {
        if (!cancel.aborted && !session.lost.aborted)
          logger?.warn({ err: (err as Error).message }, 'error while waiting for the HA lock; retrying');
      }
      if (session.lost.aborted && !cancel.aborted)
        logger?.info(
          { reason: String(session.lost.reason) },
          'lock session lost while waiting; opening a new one',
        );
      if (acquired) return this.hold(session);
      await session.close();
      cancel.throwIfAborted();
      if (!session.lost.aborted) await pause(1000, cancel);
    }
  }

  async release(): Promise<void> {
    const holding = this.holding;
    if (holding === undefined) return;
    this.holding = undefined;
    holding.stopWatch();
    const { client, key, fences, logger } = this.deps;
    const stillHeld = !holding.lost.signal.aborted;
    // Signal first, so that closing the session below is not reported as a loss.
    if (stillHeld) holding.lost.abort(new Error('the HA lock was released'));
    try {
      // An explicit release frees the key at once: Consul applies no lock-delay to it.
      if (stillHeld)
        await client.kvPut(key, Buffer.alloc(0), { release: holding.session.id }, { timeoutMs: 5000 });
    } catch (err) {
      logger?.warn(
        { err: (err as Error).message },
        'could not release the HA lock key; destroying the session instead',
      );
    }
    await holding.session.close();
    fences.clear(holding.fence);
  }

  /** Blocks until the key is free, then tries to take it; false when the session is lost meanwhile. */
  private async waitAndTake(session: LockSession, cancel: AbortSignal): Promise<boolean> {
    const { client, key, timing } = this.deps;
    const waiting: Waiting = { session, wake: new AbortController(), took: false };
    this.waiting = waiting;
    const signal = AbortSignal.any([cancel, session.lost, waiting.wake.signal]);
    try {
      let index = 0n;
      while (!signal.aborted) {
        const answer = await client.kvGet(key, { index, waitMs: timing.lockWaitMs, signal });
        index = answer.index < index ? 0n : answer.index;
        const holder = answer.pair?.session;
        if (holder === session.id) return true;
        if (holder !== undefined) continue;
        if (await client.kvPut(key, this.value, { acquire: session.id }, { signal })) return true;
        // Refused while free: another node won the race, or Consul's lock-delay still runs after the
        // previous holder's session was invalidated. The index will not move when the delay ends, so
        // look again without blocking after a short pause.
        index = 0n;
        await pause(Math.min(250, Math.max(25, timing.lockDelayMs / 4)), signal);
      }
    } catch (err) {
      if (!waiting.took) throw err;
    } finally {
      if (this.waiting === waiting) this.waiting = undefined;
    }
    if (waiting.took) return true;
    cancel.throwIfAborted();
    return false;
  }

  /**
   * While `acquire` waits: takes the key over from the hold `holdId` of a holder known to be gone,
   * in one transaction (unlock with its session, lock with this one), so that the lock changes
   * hands in one Consul write instead of a session destroy, a watch and an acquire. Consul applies
   * no lock-delay to an unlock. False when the key is not held by `holdId` any more (another
   * standby was first, or the holder released it) or when this lock is not waiting.
   * (If the wait ended meanwhile for another reason, `acquire` closes the session and Consul
   * frees the key again.)
   */
  async takeOver(holdId: string): Promise<boolean> {
    const waiting = this.waiting;
    if (waiting === undefined || waiting.wake.signal.aborted || waiting.session.lost.aborted) return false;
    const { client, key } = this.deps;
    const outcome = await client.txn(
      [
        { verb: 'unlock', key, value: Buffer.alloc(0), session: holdId },
        { verb: 'lock', key, value: this.value, session: waiting.session.id },
      ],
      { timeoutMs: 2000 },
    );
    if (!outcome.ok) return false;
    // The wait may have ended already: its blocking query can see the new holder (this session)
    // before the transaction's answer arrives here.
    waiting.took = true;
    waiting.wake.abort(new Error('took the HA lock over from a holder that is gone'));
    return true;
  }

  private hold(session: LockSession): AbortSignal {
    const { client, key, fences, timing, logger } = this.deps;
    const lost = new AbortController();
    const fence: Fence = {
      key,
      session: session.id,
      lost: (reason: Error) => {
        onLost(reason);
      },
      vouchedUntil: () => session.vouchedUntil(),
    };
    const holding: Holding = { session, fence, lost, stopWatch: () => undefined };
    const onLost = (reason: Error): void => {
      fence.lostReason ??= reason;
      if (lost.signal.aborted) return;
      logger?.warn({ reason: reason.message }, 'lost the HA lock');
      lost.abort(reason);
      holding.stopWatch();
      // Stop vouching for the session and destroy it, freeing the key first if it still holds it
      // (this node is fenced already), so that a standby can take it at once.
      void session.close(key);
    };
    this.holding = holding;
    fences.set(fence);
    holding.stopWatch = watchKey(
      client,
      key,
      (pair) => {
        if (pair?.session !== session.id)
          onLost(new Error('the lock key is no longer held by this node’s session'));
      },
      { waitMs: timing.lockWaitMs, ...(logger === undefined ? {} : { logger }) },
    );
    if (session.lost.aborted) onLost(asError(session.lost.reason));
    else
      session.lost.addEventListener(
        'abort',
        () => {
          onLost(asError(session.lost.reason));
        },
        { once: true },
      );
    return lost.signal;
  }
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
