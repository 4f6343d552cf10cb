/** When the Consul registration talks to the agent: check refreshes, reconciliation, retries. */

/** Vault's jitter factor: timers are shortened by a random part of up to 1/16. */
const JITTER_FACTOR = 16;

/** How often the registration is compared with the agent's copy, as Vault does (reconcile_timeout). */
export const RECONCILE_INTERVAL_MS = 60_000;

/** First retry after a failed request; doubled per failure up to RETRY_MAX_MS. */
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5000;

/** A random duration in [0, ms). */
function stagger(ms: number, random: () => number): number {
  return ms <= 0 ? 0 : Math.floor(random() * ms);
}

/**
 * Delay before the next refresh of the sealed check, whose TTL is `ttlMs`.
 *
 * Vault refreshes at TTL − 100 ms − jitter, which leaves one event-loop stall or one slow request
 * between a healthy node and a critical check (the flapping operators report). tresor refreshes at
 * half the TTL (minus up to 1/16 of it as jitter), so a failed refresh is retried well before the TTL
 * runs out. A dead node still goes critical at most `ttlMs` after its last refresh.
 */
export function checkRefreshMs(ttlMs: number, random: () => number = Math.random): number {
  const half = ttlMs / 2;
  return Math.max(50, Math.round(half - stagger(half / JITTER_FACTOR, random)));
}

/** Delay before the next reconciliation with the agent (60 s minus jitter). */
export function reconcileMs(
  baseMs: number = RECONCILE_INTERVAL_MS,
  random: () => number = Math.random,
): number {
  return Math.max(1, Math.round(baseMs - stagger(baseMs / JITTER_FACTOR, random)));
}

/** Delay before retrying after `failures` consecutive failed requests (≥ 1): 250 ms doubling to 5 s. */
export function retryMs(failures: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.max(0, Math.min(failures - 1, 10)));
}
