import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConsulTxnOp } from '../../../consul/client/client.js';
import type { TxnOutcome } from '../../../consul/client/client-types.js';
import { MAX_USER_TXN_OPS } from '../../../consul/client/limits.js';
import { TxnBatcher } from '../../../consul/storage/txn-batcher.js';

const set = (key: string, bytes = 10): ConsulTxnOp => ({ verb: 'set', key, value: Buffer.alloc(bytes) });

/** A flush that records each transaction and is answered by hand. */
function recorder() {
  const sent: { ops: readonly ConsulTxnOp[]; answer: (o: TxnOutcome | Error) => void }[] = [];
  const flush = (ops: readonly ConsulTxnOp[]): Promise<TxnOutcome> =>
    new Promise((resolve, reject) => {
      sent.push({
        ops,
        answer: (o) => {
          if (o instanceof Error) reject(o);
          else resolve(o);
        },
      });
    });
  return { sent, flush };
}

const keys = (ops: readonly ConsulTxnOp[]): string[] => ops.map((o) => o.key);
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('TxnBatcher (group commit of fenced writes)', () => {
  it('sends a lone write at once, and what queues meanwhile as one transaction, in order', async () => {
    const { sent, flush } = recorder();
    const b = new TxnBatcher(flush, 1);
    const first = b.submit([set('a')]);
    assert.equal(sent.length, 1);
    const rest = [b.submit([set('b'), set('c')]), b.submit([set('d')]), b.submit([set('e')])];
    assert.equal(sent.length, 1, 'the others wait for the one in flight');
    assert.equal(b.waiting, 3);
    sent[0]?.answer({ ok: true });
    assert.deepEqual(await first, { ok: true });
    await tick();
    assert.equal(sent.length, 2);
    assert.deepEqual(keys(sent[1]?.ops ?? []), ['b', 'c', 'd', 'e']);
    sent[1]?.answer({ ok: true });
    assert.deepEqual(await Promise.all(rest), [{ ok: true }, { ok: true }, { ok: true }]);
  });

  it('keeps each transaction within 63 operations and the byte budget', async () => {
    const { sent, flush } = recorder();
    const b = new TxnBatcher(flush, 1);
    void b.submit([set('first')]);
    const many = Array.from({ length: 40 }, (_, i) => b.submit([set(`k${i}a`), set(`k${i}b`)]));
    const big = [b.submit([set('big1', 200_000)]), b.submit([set('big2', 200_000)])];
    sent[0]?.answer({ ok: true });
    for (let round = 1; sent.length > round - 1 && round < 10; round++) {
      await tick();
      const last = sent.at(-1);
      if (last === undefined) break;
      assert.ok(last.ops.length <= MAX_USER_TXN_OPS, `${last.ops.length} operations`);
      last.answer({ ok: true });
    }
    await Promise.all([...many, ...big]);
    // 80 small operations need two transactions (the second has room for the first large value);
    // the two large values (about 267 KiB each in base64) do not fit in one.
    assert.deepEqual(
      sent.slice(1).map((s) => s.ops.length),
      [62, 19, 1],
    );
    assert.deepEqual(keys(sent[3]?.ops ?? []), ['big2']);
  });

  it('refuses every write of a batch the fence refused', async () => {
    const { sent, flush } = recorder();
    const b = new TxnBatcher(flush, 1);
    void b.submit([set('x')]);
    const batch = [b.submit([set('a')]), b.submit([set('b')])];
    sent[0]?.answer({ ok: true });
    await tick();
    const refused: TxnOutcome = { ok: false, errors: [{ opIndex: 0, what: 'failed session check' }] };
    sent[1]?.answer(refused);
    assert.deepEqual(await Promise.all(batch), [refused, refused]);
    assert.equal(sent.length, 2, 'no retry of a fenced-out batch');
  });

  it('retries each write alone when a batch rolled back for another reason', async () => {
    const { sent, flush } = recorder();
    const b = new TxnBatcher(flush, 1);
    void b.submit([set('x')]);
    const good = b.submit([set('good')]);
    const bad = b.submit([set('bad')]);
    sent[0]?.answer({ ok: true });
    await tick();
    sent[1]?.answer({ ok: false, errors: [{ opIndex: 2, what: 'rejected' }] });
    await tick();
    assert.deepEqual(
      sent.slice(2).map((s) => keys(s.ops)),
      [['good'], ['bad']],
    );
    sent[2]?.answer({ ok: true });
    const own: TxnOutcome = { ok: false, errors: [{ opIndex: 1, what: 'rejected' }] };
    sent[3]?.answer(own);
    assert.deepEqual(await good, { ok: true });
    assert.deepEqual(await bad, own);
  });

  it('passes a transport error to every write of the batch', async () => {
    const { sent, flush } = recorder();
    const b = new TxnBatcher(flush, 1);
    void b.submit([set('x')]);
    const batch = [b.submit([set('a')]), b.submit([set('b')])];
    sent[0]?.answer({ ok: true });
    await tick();
    sent[1]?.answer(new Error('socket hang up'));
    for (const p of batch) await assert.rejects(p, /socket hang up/);
  });
});
