import { createHash } from 'node:crypto';
import { Mutex } from '../../../../helper/mutex.js';

/**
 * Per-key write serialisation for a kv v2 mount: 256 striped mutexes, so that concurrent writes
 * to one key never interleave their read-modify-write of its metadata.
 */
export class KeyLocks {
  private readonly stripes = Array.from({ length: 256 }, () => new Mutex());

  /** Runs `fn` while holding the stripe that `key` hashes to. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const index = createHash('sha256').update(key, 'utf8').digest()[0] ?? 0;
    const stripe = this.stripes[index];
    return stripe === undefined ? fn() : stripe.run(fn);
  }
}

/** What every kv v2 path handler shares within one mount. */
export interface KvV2Context {
  readonly locks: KeyLocks;
  /** The clock, in epoch milliseconds (injectable for tests of delete_version_after). */
  readonly now: () => number;
}
