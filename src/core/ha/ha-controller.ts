import { HA_LOCK_KEY, type HaBackend, type HaLock, type LeaderAdvertisement } from '../../physical/types.js';
import type { Logger } from '../../helper/logger.js';
import { pause } from '../../helper/pause.js';
import { HoldAnnouncer, type HolderFollower } from './holder-liveness.js';

export interface HaHooks {
  /** Became the lock holder: load everything and start serving as active. */
  promote(): Promise<void>;
  /** Stopped holding the lock (lost, stepped down, sealing): stop serving as active at once. */
  demote(reason: string, steppingDown: boolean): Promise<void>;
  /** After demoting, before releasing the lock: let the outside world catch up (bounded). */
  beforeRelease?(): Promise<void>;
}

export interface HaControllerOptions {
  readonly backend: HaBackend;
  readonly advertisement: LeaderAdvertisement;
  readonly hooks: HaHooks;
  readonly logger: Logger;
  /** Milliseconds a node that stepped down waits before competing again (Vault: 10 s). */
  readonly stepDownCoolOffMs: number;
  /** Receives the leader to publish (NodeState.publishLeader): this node only once promoted. */
  readonly publishLeader: (leader: LeaderAdvertisement | undefined) => void;
  /** Follows the active node while this node is a standby, to end a dead holder's hold at once. */
  readonly follower?: HolderFollower;
  /** After this node ended a gone holder's hold: let the outside world know (Consul registration). */
  readonly holderGone?: (leader: LeaderAdvertisement, why: string) => Promise<void>;
}

/** How many ended holds a node remembers, so that each is ended (and reported) once. */
const ENDED_MEMORY = 16;

/**
 * Runs an unsealed node's part of leader election: compete for the lock, promote on acquiring it,
 * demote the moment it is lost (or on step-down), and compete again. It also watches who holds
 * the lock, so a standby knows where to forward. The lock is taken with a value that advertises
 * nobody and advertised once the promotion has finished, so no node publishes a leader that would
 * still answer 503.
 */
export class HaController {
  private readonly stopping = new AbortController();
  private stepDownRequest: AbortController | undefined;
  private lock: HaLock | undefined;
  /** The holder the lock names, as last seen by the watch, and the backend's id of its hold. */
  private holder: LeaderAdvertisement | undefined;
  private holderHold: string | undefined;
  /** Holds this node ended because their holder was gone (most recent last). */
  private readonly ended: string[] = [];
  /** What followers of this node hear while it is active. */
  readonly announcer = new HoldAnnouncer();
  /** Between a finished promotion and the demotion. */
  private promoted = false;
  private readonly stopWatch: () => void;
  private loop: Promise<void> | undefined;
  private steppedDown: ((ok: boolean) => void) | undefined;
  /** Work deferred until this node has promoted (or failed to): the clean-up after a take-over. */
  private afterPromotion: (() => Promise<void>) | undefined;

  constructor(private readonly o: HaControllerOptions) {
    this.stopWatch = o.backend.watchLeader(HA_LOCK_KEY, (leader, holdId) => {
      this.holder = leader;
      this.holderHold = holdId;
      o.logger.debug({ leader: leader?.apiAddr ?? null }, 'lock holder changed');
      this.publish();
      this.follow();
    });
  }

  /** Follows the holder the lock names while it is another node (and this node is not active). */
  private follow(): void {
    const follower = this.o.follower;
    if (follower === undefined) return;
    const leader = this.holder;
    const holdId = this.holderHold;
    if (
      this.stopped() ||
      this.promoted ||
      leader === undefined ||
      holdId === undefined ||
      leader.nodeId === this.o.advertisement.nodeId ||
      this.ended.includes(holdId)
    ) {
      follower.follow(undefined);
      return;
    }
    follower.follow({
      leader,
      holdId,
      gone: (why) => {
        void this.endHold(leader, holdId, why);
      },
    });
  }

  /** Ends the hold of a holder that is gone, so that the lock is free now rather than after its TTL. */
  private async endHold(leader: LeaderAdvertisement, holdId: string, why: string): Promise<void> {
    if (this.o.backend.endHold === undefined || this.ended.includes(holdId) || this.stopped()) return;
    this.ended.push(holdId);
    if (this.ended.length > ENDED_MEMORY) this.ended.shift();
    const log = this.o.logger;
    log.warn({ active: leader.apiAddr, why }, 'the active node is gone; ending its hold on the HA lock');
    // Fastest: take the lock over from the gone hold in one backend write (only one standby can).
    const took = await this.lock?.takeOver?.(holdId).catch((err: unknown) => {
      log.warn({ err }, 'could not take the HA lock over; ending the hold instead');
      return false;
    });
    if (took !== true) return this.cleanUpGone(leader, holdId, why);
    log.info({ active: leader.apiAddr }, 'took the HA lock over from the gone active node');
    // This node is promoting: the clean-up waits, so that it does not compete with the promotion.
    this.afterPromotion = () => this.cleanUpGone(leader, holdId, why);
    if (this.promoted) this.runAfterPromotion();
  }

  /**
   * Ends the gone hold in the backend (which frees the lock if nobody took it over, and tells a
   * holder that was alive after all at once), then reports the gone holder (Consul's catalog).
   */
  private async cleanUpGone(leader: LeaderAdvertisement, holdId: string, why: string): Promise<void> {
    const log = this.o.logger;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.o.backend.endHold?.(HA_LOCK_KEY, holdId);
        break;
      } catch (err) {
        if (attempt >= 3 || this.stopped()) {
          log.warn({ err }, 'could not end the hold of the active node that is gone; its TTL ends it');
          return;
        }
        await pause(100 * attempt, this.stopping.signal);
      }
    }
    await this.o.holderGone?.(leader, why).catch((err: unknown) => {
      log.warn({ err }, 'could not report the active node that is gone');
    });
  }

  private publish(): void {
    const self = this.o.advertisement;
    if (this.promoted) this.o.publishLeader(self);
    else this.o.publishLeader(this.holder?.nodeId === self.nodeId ? undefined : this.holder);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Releases the lock (if held) and waits for the node to be a standby. False if it was not active. */
  stepDown(): Promise<boolean> {
    if (this.stepDownRequest === undefined || this.stepDownRequest.signal.aborted)
      return Promise.resolve(false);
    return new Promise((resolve) => {
      this.steppedDown = resolve;
      this.stepDownRequest?.abort(new Error('step-down requested'));
    });
  }

  /** Stops competing, releases the lock, and stops watching. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('HA stopped'));
    this.stepDownRequest?.abort(new Error('HA stopped'));
    this.stopWatch();
    this.o.follower?.follow(undefined);
    await this.loop;
    this.holder = undefined;
    this.o.publishLeader(undefined);
  }

  private runAfterPromotion(): void {
    const work = this.afterPromotion;
    this.afterPromotion = undefined;
    void work?.();
  }

  private stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async run(): Promise<void> {
    const log = this.o.logger;
    while (!this.stopping.signal.aborted) {
      const lock = this.o.backend.lock(HA_LOCK_KEY, this.o.advertisement, { deferAdvertisement: true });
      this.lock = lock;
      let lost: AbortSignal;
      try {
        lost = await lock.acquire(this.stopping.signal);
      } catch (err) {
        if (this.stopped()) break;
        log.warn({ err }, 'competing for the HA lock failed; retrying');
        await pause(1000, this.stopping.signal);
        continue;
      }
      const stepDown = new AbortController();
      this.stepDownRequest = stepDown;
      const holdId = lock.holdId;
      log.info('holds the HA lock; promoting');
      // This node holds the lock now: whatever it followed is no longer the holder.
      this.o.follower?.follow(undefined);
      try {
        await this.o.hooks.promote();
        // Only now does the lock name this node: standbys and the resolver never see a leader that
        // would still answer 503.
        await lock.advertise();
        this.promoted = true;
        this.announcer.held(holdId);
        this.publish();
        this.runAfterPromotion();
      } catch (err) {
        this.runAfterPromotion();
        log.error({ err }, 'promotion failed; giving the lock up');
        await this.o.hooks.demote('promotion failed', false).catch(() => undefined);
        await lock.release().catch(() => undefined);
        this.follow();
        await pause(1000, this.stopping.signal);
        continue;
      }
      const ended = AbortSignal.any([lost, stepDown.signal, this.stopping.signal]);
      await new Promise<void>((resolve) => {
        if (ended.aborted) resolve();
        else
          ended.addEventListener(
            'abort',
            () => {
              resolve();
            },
            { once: true },
          );
      });
      const steppingDown = stepDown.signal.aborted && !lost.aborted;
      const reason = lost.aborted
        ? `lost the HA lock: ${String((lost.reason as Error | undefined)?.message ?? lost.reason)}`
        : steppingDown
          ? 'stepped down'
          : 'stopping';
      this.promoted = false;
      // A lost hold may still look held to Consul (this node's agent may hang): the followers end it.
      if (lost.aborted && holdId !== undefined) this.announcer.lost(holdId);
      else this.announcer.released();
      this.publish();
      await this.o.hooks.demote(reason, steppingDown);
      if (!lost.aborted) await this.o.hooks.beforeRelease?.().catch(() => undefined);
      await lock.release().catch((err: unknown) => {
        log.warn({ err }, 'releasing the HA lock failed');
      });
      // The watch reports the next holder; until then nobody is known to hold the lock.
      if (this.holder?.nodeId === this.o.advertisement.nodeId) this.holder = undefined;
      this.follow();
      this.steppedDown?.(true);
      this.steppedDown = undefined;
      if (steppingDown) await pause(this.o.stepDownCoolOffMs, this.stopping.signal);
    }
    this.lock = undefined;
  }
}
