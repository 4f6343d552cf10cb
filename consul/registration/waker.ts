/**
 * Lets a loop sleep until a timeout, a `wake()` or an abort, whichever comes first. A `wake()` while
 * the loop is busy is not remembered: the loop checks its own flags before it sleeps again.
 */
export class Waker {
  private pending: (() => void) | undefined;

  /** Resolves after `ms` (never when undefined), on `wake()`, or when `signal` aborts. */
  sleep(ms: number | undefined, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.pending === done) this.pending = undefined;
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(done, ms).unref();
      this.pending = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Ends the current sleep, if any. */
  wake(): void {
    this.pending?.();
  }
}
