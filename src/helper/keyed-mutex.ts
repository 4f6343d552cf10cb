import { Mutex } from './mutex.js';

/**
 * One FIFO mutex per key, created on demand and dropped when idle: critical sections on the same
 * key run one at a time, different keys run concurrently. Only the active node
 * writes (standbys forward), so an in-process lock is enough to make use counts atomic.
 */
export class KeyedMutex {
  private readonly locks = new Map<string, { mutex: Mutex; users: number }>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let slot = this.locks.get(key);
    if (slot === undefined) {
      slot = { mutex: new Mutex(), users: 0 };
      this.locks.set(key, slot);
    }
    slot.users++;
    try {
      return await slot.mutex.run(fn);
    } finally {
      slot.users--;
      if (slot.users === 0) this.locks.delete(key);
    }
  }
}
