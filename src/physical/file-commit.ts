import type { LogOp } from './file-log.js';

/**
 * Group commit: writers submit operations, and whatever was submitted while the previous batch was
 * being committed (or within the same event-loop turn) is committed as the next batch, with one
 * call of `commit` — one log append and one fsync for all of them. Batches run one at a time, and
 * within a batch submissions keep the order they were submitted in, so the log's order is the
 * order of the calls. Each submission first runs its own `prepare` (checks that can refuse it, or
 * reduce it to nothing); one that fails is rejected alone. Every writer of a batch settles after
 * `commit` has settled, in submission order. Tasks given to `exclusive` run between batches.
 */
export class GroupCommit {
  private queue: Submission[] = [];
  private readonly tasks: (() => Promise<void>)[] = [];
  private running = false;

  constructor(private readonly commit: (ops: LogOp[]) => Promise<void>) {}

  /** Queues `prepared` (resolving to the operations to log) and settles once they are committed. */
  submit(prepared: Promise<readonly LogOp[]>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      prepared.catch(() => undefined); // reported to this writer when its batch runs
      this.queue.push({ prepared, resolve, reject });
      this.start();
    });
  }

  /** Runs `task` once the batch in progress (if any) is done, before the next one. */
  exclusive(task: () => Promise<void> | void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.tasks.push(async () => {
        await Promise.resolve().then(task).then(resolve, reject);
      });
      this.start();
    });
  }

  private start(): void {
    if (this.running) return;
    this.running = true;
    // The next turn: every write submitted in this one joins the first batch.
    setImmediate(() => void this.run());
  }

  private async run(): Promise<void> {
    for (;;) {
      const task = this.tasks.shift();
      if (task !== undefined) await task();
      else if (this.queue.length > 0) await this.runBatch(this.queue.splice(0));
      else break;
    }
    this.running = false;
  }

  private async runBatch(batch: Submission[]): Promise<void> {
    const prepared = await Promise.allSettled(batch.map((s) => s.prepared));
    const accepted: Submission[] = [];
    const ops: LogOp[] = [];
    prepared.forEach((result, i) => {
      const submission = batch[i];
      if (submission === undefined) return;
      if (result.status === 'rejected') submission.reject(result.reason);
      else {
        accepted.push(submission);
        ops.push(...result.value);
      }
    });
    let failure: { reason: unknown } | undefined;
    if (ops.length > 0) {
      try {
        await this.commit(ops);
      } catch (err) {
        failure = { reason: err };
      }
    }
    for (const s of accepted) {
      if (failure === undefined) s.resolve();
      else s.reject(failure.reason);
    }
  }
}

interface Submission {
  readonly prepared: Promise<readonly LogOp[]>;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
}
