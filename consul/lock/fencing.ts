import { VaultError } from '../../src/helper/errors.js';

/**
 * The lock that fences this backend's writes: while set, every write is a transaction whose first
 * operation checks that `session` still holds `key`. `lost` is called when that check fails.
 */
export interface Fence {
  /** Full KV key of the lock (prefix included). */
  readonly key: string;
  readonly session: string;
  /** Set once the lock is known lost: writes are then refused without asking Consul. */
  lostReason?: Error;
  /** Reports that Consul refused the session check. */
  lost(reason: Error): void;
  /** Until when (epoch ms) the holder can vouch for the session (LockSession.vouchedUntil). */
  vouchedUntil(): number;
}

/** Where a lock installs and removes its fence on the backend that created it. */
export interface FenceSlot {
  set(fence: Fence): void;
  /** Removes `fence` if it is still the installed one. */
  clear(fence: Fence): void;
}

/**
 * A write refused because this node no longer holds the HA lock (its `check-session` failed).
 * Nothing of the write was applied. 503: the node is not (any more) the active one.
 */
export class LockLostError extends VaultError {
  constructor(detail: string) {
    super(503, `storage write refused: this node no longer holds the HA lock (${detail})`);
  }
}
