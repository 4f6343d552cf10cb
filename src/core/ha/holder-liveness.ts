import type { LeaderAdvertisement } from '../../physical/types.js';

/**
 * How a standby learns within milliseconds that the active node is gone, instead of waiting for
 * the lock's TTL: it follows the active node (src/http/ha-follower.ts holds a connection to it) and
 * reports when its process is dead or when it says its hold has ended. The HA controller then ends
 * that hold in the backend (HaBackend.endHold), so the lock is free at once.
 */
export interface HolderFollower {
  /** Follows `target` (replacing whatever was followed), or nobody when undefined. */
  follow(target: FollowTarget | undefined): void;
  stop(): void;
}

export interface FollowTarget {
  readonly leader: LeaderAdvertisement;
  /** The backend's id of the hold being followed (HaLock.holdId). */
  readonly holdId: string;
  /** Called at most once, when the holder is known to be gone; `why` is logged. */
  readonly gone: (why: string) => void;
}

/** A hold that ended: lost (followers should end it in the backend) or released by its holder. */
export interface HoldEnd {
  readonly holdId: string;
  readonly lost: boolean;
}

/**
 * The active side of following: which hold this node has (sent to followers when they connect),
 * and the announcement, when the hold is lost, that followers should end it — the node may not be
 * able to itself (its Consul agent hangs).
 */
export class HoldAnnouncer {
  private hold: string | undefined;
  private readonly listeners = new Set<(ended: HoldEnd) => void>();

  /** The hold this node has while it is active, else undefined. */
  get current(): string | undefined {
    return this.hold;
  }

  held(holdId: string | undefined): void {
    this.hold = holdId;
  }

  /** The hold is lost: tells every follower to end it, then forgets it. */
  lost(holdId: string): void {
    this.end({ holdId, lost: true });
  }

  /** The hold ends by this node's own doing (step-down, shutdown): followers need not act. */
  released(): void {
    if (this.hold !== undefined) this.end({ holdId: this.hold, lost: false });
  }

  private end(ended: HoldEnd): void {
    if (this.hold === ended.holdId) this.hold = undefined;
    for (const listener of [...this.listeners]) listener(ended);
  }

  /** Calls `listener` each time a hold ends; returns the unsubscribe function. */
  subscribe(listener: (ended: HoldEnd) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get followers(): number {
    return this.listeners.size;
  }
}
