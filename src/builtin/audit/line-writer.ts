/**
 * Writes lines to one sink in order, batching what queues while a write is in flight into the
 * next write (one system call for many entries under load), each write bounded by `timeoutMs`:
 * a sink that blocks (a full disk, a FIFO nobody reads, a socket nobody drains) fails the entries
 * waiting on it instead of holding their requests forever. The blocked write itself stays in
 * flight; entries queued behind it wait for it (and time out) until it completes.
 */
export class LineWriter {
  private queue: { line: string; done: (err?: Error) => void }[] = [];
  /** The drain in progress, while a write is in flight. */
  private draining: Promise<void> | undefined;

  constructor(
    private readonly sink: (data: string) => Promise<void>,
    private readonly timeoutMs: number,
    private readonly what: string,
  ) {}

  write(line: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settle(new Error(`${this.what}: the write did not complete within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const settle = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err === undefined) resolve();
        else reject(err);
      };
      this.queue.push({ line, done: settle });
      this.draining ??= this.drain().finally(() => {
        this.draining = undefined;
      });
    });
  }

  /** Resolves once nothing is being written (for reopen and close). */
  async idle(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.sink(batch.map((b) => b.line).join(''));
        for (const b of batch) b.done();
      } catch (err) {
        const reason = err instanceof Error ? err : new Error(String(err));
        for (const b of batch) b.done(new Error(`${this.what}: ${reason.message}`));
      }
    }
  }
}
