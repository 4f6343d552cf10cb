/**
 * Group commit of fenced writes. Each write of the lock holder is a Consul transaction; under
 * concurrency they queue here, and whatever queued while earlier transactions were in flight goes
 * to Consul as one transaction (one raft entry), up to Consul's bounds: 63 operations (one is the
 * fence's check-session) and 512 KiB encoded. A write alone goes out at once, so a quiet node
 * waits for nothing.
 *
 * Outcomes stay per write. A batch that commits commits every write in it. A batch refused by the
 * fence (operation 0) refuses every write: none of them may land. A batch rolled back for any
 * other reason changed nothing, and each write is retried alone, so that only its own outcome
 * reaches it; a transport error (timeout, connection lost) reaches every write of the batch, whose
 * outcome is then unknown, as it would be for a write sent alone.
 */
import type { ConsulTxnOp } from '../client/client.js';
import type { TxnOutcome } from '../client/client-types.js';
import { FENCE_OP_BYTES, MAX_TXN_BYTES, MAX_USER_TXN_OPS, opBytes } from '../client/limits.js';

/** Sends one fenced transaction of `ops`: index 0 of its errors is the fence, i ≥ 1 is ops[i - 1]. */
export type FlushTxn = (ops: readonly ConsulTxnOp[]) => Promise<TxnOutcome>;

interface Pending {
  readonly ops: readonly ConsulTxnOp[];
  readonly bytes: number;
  resolve(outcome: TxnOutcome): void;
  reject(err: unknown): void;
}

/** Room in one transaction for writes: the request budget less the fence and the JSON brackets. */
const BATCH_BYTES = MAX_TXN_BYTES - FENCE_OP_BYTES - 2;

export class TxnBatcher {
  private readonly queue: Pending[] = [];
  private inFlight = 0;

  constructor(
    private readonly flush: FlushTxn,
    private readonly maxInFlight = 2,
  ) {}

  /** Writes `ops` (already within Consul's limits on their own) in the next transaction that has room. */
  submit(ops: readonly ConsulTxnOp[]): Promise<TxnOutcome> {
    return new Promise((resolve, reject) => {
      const bytes = ops.reduce((sum, op) => sum + opBytes(op) + 1, 0);
      this.queue.push({ ops, bytes, resolve, reject });
      this.pump();
    });
  }

  /** Writes waiting for a transaction (for tests). */
  get waiting(): number {
    return this.queue.length;
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.take();
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** The oldest writes that fit in one transaction, in the order they were submitted. */
  private take(): Pending[] {
    const batch: Pending[] = [];
    let ops = 0;
    let bytes = 0;
    for (const next of this.queue) {
      if (batch.length > 0 && (ops + next.ops.length > MAX_USER_TXN_OPS || bytes + next.bytes > BATCH_BYTES))
        break;
      batch.push(next);
      ops += next.ops.length;
      bytes += next.bytes;
    }
    this.queue.splice(0, batch.length);
    return batch;
  }

  private async run(batch: readonly Pending[]): Promise<void> {
    const [only] = batch;
    if (batch.length === 1 && only !== undefined) {
      await this.alone(only);
      return;
    }
    let outcome: TxnOutcome;
    try {
      outcome = await this.flush(batch.flatMap((p) => p.ops));
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    if (outcome.ok || outcome.errors.some((e) => e.opIndex === 0)) {
      for (const p of batch) p.resolve(outcome);
      return;
    }
    await Promise.all(batch.map((p) => this.alone(p)));
  }

  private async alone(p: Pending): Promise<void> {
    try {
      p.resolve(await this.flush(p.ops));
    } catch (err) {
      p.reject(err);
    }
  }
}
