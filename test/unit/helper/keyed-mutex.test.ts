import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedMutex } from '../../../src/helper/keyed-mutex.js';

/** A promise and the function that settles it, to hold a critical section open. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('KeyedMutex', () => {
  it('runs the critical sections of one key one at a time, in arrival order', async () => {
    const locks = new KeyedMutex();
    const events: string[] = [];
    const first = gate();
    const a = locks.run('k', async () => {
      events.push('a:start');
      await first.promise;
      events.push('a:end');
      return 'a';
    });
    const b = locks.run('k', () => {
      events.push('b:start');
      return Promise.resolve('b');
    });
    // Let every ready microtask and I/O callback run: b must still wait behind a.
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(events, ['a:start']);
    first.open();
    assert.deepEqual(await Promise.all([a, b]), ['a', 'b']);
    assert.deepEqual(events, ['a:start', 'a:end', 'b:start']);
  });

  it('lets different keys run at the same time', async () => {
    const locks = new KeyedMutex();
    const held = gate();
    const events: string[] = [];
    const a = locks.run('one', async () => {
      events.push('one:start');
      await held.promise;
    });
    await locks.run('two', () => {
      events.push('two:ran');
      return Promise.resolve();
    });
    assert.deepEqual(events, ['one:start', 'two:ran']);
    held.open();
    await a;
  });

  it('keeps the lock working after a critical section throws', async () => {
    const locks = new KeyedMutex();
    await assert.rejects(
      locks.run('k', () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await locks.run('k', () => Promise.resolve(42)), 42);
  });

  it('makes a read-modify-write atomic per key under concurrency', async () => {
    const locks = new KeyedMutex();
    let counter = 0;
    await Promise.all(
      Array.from({ length: 50 }, () =>
        locks.run('counter', async () => {
          const seen = counter;
          await new Promise((r) => setImmediate(r));
          counter = seen + 1;
        }),
      ),
    );
    assert.equal(counter, 50);
  });

  it('forgets idle keys', async () => {
    const locks = new KeyedMutex();
    await Promise.all(['a', 'b', 'c'].map((k) => locks.run(k, () => Promise.resolve())));
    const size = (locks as unknown as { locks: Map<string, unknown> }).locks.size;
    assert.equal(size, 0);
  });
});
