import type { Logger } from '../../src/helper/logger.js';
import type { ConsulClient, KvPair } from './client.js';

/** How a key watch waits and backs off. */
export interface KeyWatchOptions {
  /** Longest wait of one blocking query. */
  readonly waitMs: number;
  readonly logger?: Logger;
  /** First and last delay after a failed query (doubling in between): 100 ms and 5 s by default. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** Whether `signal` has aborted, read through a call so that an earlier check does not narrow it. */
export function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

import { pause } from '../../src/helper/pause.js';

export { pause };

/**
 * Watches one KV key with blocking queries: calls `onUpdate` with the first answer and then with
 * every answer whose index moved (the pair, or undefined when the key is missing). Errors back off
 * exponentially and the watch carries on, so it recovers when Consul comes back; an index that
 * goes backwards (Consul restarted with fresh state) starts over. Returns a stop function.
 */
export function watchKey(
  client: ConsulClient,
  key: string,
  onUpdate: (pair: KvPair | undefined) => void,
  options: KeyWatchOptions,
): () => void {
  const stop = new AbortController();
  const minBackoff = options.minBackoffMs ?? 100;
  const maxBackoff = options.maxBackoffMs ?? 5000;

  const loop = async (): Promise<void> => {
    let index = 0n;
    let backoff = minBackoff;
    let failing = false;
    while (!stop.signal.aborted) {
      const started = Date.now();
      try {
        const answer = await client.kvGet(key, { index, waitMs: options.waitMs, signal: stop.signal });
        if (isAborted(stop.signal)) return;
        if (failing) options.logger?.info({ key }, 'consul watch recovered');
        failing = false;
        backoff = minBackoff;
        const moved = answer.index !== index;
        // Consul's rule: an index that goes backwards means reset; never block on index 0 again.
        index = answer.index < index ? 0n : answer.index;
        if (moved || index === 0n) {
          try {
            onUpdate(answer.pair);
          } catch (err) {
            options.logger?.error({ key, err: (err as Error).message }, 'consul watch callback failed');
          }
        }
        // Guard against a server that answers at once without blocking.
        if (!moved && Date.now() - started < 50) await pause(50, stop.signal);
      } catch (err) {
        if (isAborted(stop.signal)) return;
        if (!failing)
          options.logger?.warn(
            { key, err: (err as Error).message },
            'consul watch failing; retrying with backoff',
          );
        failing = true;
        index = 0n;
        await pause(backoff, stop.signal);
        backoff = Math.min(backoff * 2, maxBackoff);
      }
    }
  };
  void loop();
  return () => {
    stop.abort();
  };
}
