/**
 * One Consul blocking query run in a loop: ask with the last index, hand every changed answer to
 * `onValue`, remember when Consul last answered (the view's age), and on errors back off
 * exponentially and carry on, so a watch recovers by itself when Consul comes back or restarts.
 */
import type { Logger } from '../src/helper/logger.js';
import type { Indexed } from '../consul/client/catalog.js';
import { pause } from '../consul/client/watch-key.js';

/** How a watch waits and backs off. */
export interface BlockingWatchOptions {
  /** Longest wait of one blocking query (Consul adds up to 1/16 of jitter). */
  readonly waitMs: number;
  /** First and last delay after a failure, doubling in between. */
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** Called after every failed query (for metrics). */
  readonly onError?: (err: unknown) => void;
  /** Called after every answer, changed or not, once `lastOk` has moved. */
  readonly onConfirmed?: () => void;
}

/** A running watch. */
export interface BlockingWatch {
  readonly name: string;
  /** When Consul last answered this watch (ms since the epoch); undefined before the first answer. */
  readonly lastOk: number | undefined;
  /** The last error, while the watch is failing. */
  readonly lastError: string | undefined;
  stop(): void;
}

/**
 * Starts a watch. `fetch(index, waitMs, signal)` runs one query; index 0 asks without blocking.
 * An index that goes backwards (Consul restarted with fresh state) starts over from 0, and an
 * answer without a usable index is re-asked after a short pause so a misbehaving server cannot
 * make the loop spin.
 */
export function startBlockingWatch<T>(
  name: string,
  fetch: (index: bigint, waitMs: number, signal: AbortSignal) => Promise<Indexed<T>>,
  onValue: (value: T) => void,
  options: BlockingWatchOptions,
): BlockingWatch {
  const stop = new AbortController();
  const now = options.now ?? Date.now;
  const state: { lastOk: number | undefined; lastError: string | undefined } = {
    lastOk: undefined,
    lastError: undefined,
  };

  const loop = async (): Promise<void> => {
    let index = 0n;
    let backoff = options.minBackoffMs;
    while (!isAborted(stop.signal)) {
      const started = now();
      try {
        const answer = await fetch(index, options.waitMs, stop.signal);
        if (isAborted(stop.signal)) return;
        if (state.lastError !== undefined) options.logger?.info({ watch: name }, 'consul watch recovered');
        state.lastError = undefined;
        backoff = options.minBackoffMs;
        const moved = answer.index !== index || index === 0n;
        index = answer.index < index ? 0n : answer.index;
        state.lastOk = now();
        if (moved) onValue(answer.value);
        options.onConfirmed?.();
        if (!moved && now() - started < 50) await pause(50, stop.signal);
        else if (index === 0n) await pause(100, stop.signal);
      } catch (err) {
        if (isAborted(stop.signal)) return;
        const message = err instanceof Error ? err.message : String(err);
        if (state.lastError === undefined)
          options.logger?.warn({ watch: name, err: message }, 'consul watch failing; retrying with backoff');
        state.lastError = message;
        options.onError?.(err);
        index = 0n;
        await pause(backoff, stop.signal);
        backoff = Math.min(backoff * 2, options.maxBackoffMs);
      }
    }
  };
  void loop();

  return {
    name,
    get lastOk() {
      return state.lastOk;
    },
    get lastError() {
      return state.lastError;
    },
    stop() {
      stop.abort();
    },
  };
}

/** Reads `aborted` through a call so that TypeScript keeps no earlier narrowing. */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
