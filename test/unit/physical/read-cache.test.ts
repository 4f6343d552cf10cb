import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReadCache, txnChanges } from '../../../src/physical/read-cache.js';

/** A promise resolved (or rejected) by hand, to order a load and a write as a race would. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const buf = (s: string): Buffer => Buffer.from(s);
const str = async (p: Promise<Buffer | undefined>): Promise<string | undefined> => (await p)?.toString();

/** A backend as a Map, counting loads. */
function store(): {
  data: Map<string, string>;
  loads: number;
  load: (k: string) => () => Promise<Buffer | undefined>;
} {
  const s = {
    data: new Map<string, string>(),
    loads: 0,
    load: (k: string) => () => {
      s.loads++;
      const v = s.data.get(k);
      return Promise.resolve(v === undefined ? undefined : buf(v));
    },
  };
  return s;
}

describe('ReadCache', () => {
  it('answers repeated reads, and reads of absent keys, from memory', async () => {
    const cache = new ReadCache();
    const s = store();
    s.data.set('a', 'one');
    assert.equal(await str(cache.read('a', s.load('a'))), 'one');
    assert.equal(await str(cache.read('a', s.load('a'))), 'one');
    assert.equal(await cache.read('missing', s.load('missing')), undefined);
    assert.equal(await cache.read('missing', s.load('missing')), undefined);
    assert.equal(s.loads, 2);
  });

  it('shares one load between concurrent readers of a key', async () => {
    const cache = new ReadCache();
    const gate = deferred<Buffer | undefined>();
    let loads = 0;
    const load = (): Promise<Buffer | undefined> => {
      loads++;
      return gate.promise;
    };
    const reads = [cache.read('k', load), cache.read('k', load), cache.read('k', load)];
    gate.resolve(buf('v'));
    assert.deepEqual(await Promise.all(reads.map(str)), ['v', 'v', 'v']);
    assert.equal(loads, 1);
  });

  it('never caches a load that a write overtook', async () => {
    const cache = new ReadCache();
    const slow = deferred<Buffer | undefined>();
    const read = cache.read('k', () => slow.promise); // reads the old value…
    await cache.write([{ key: 'k', value: buf('new') }], () => Promise.resolve()); // …a write lands…
    slow.resolve(buf('old')); // …then the old value arrives.
    assert.equal(await str(read), 'old');
    assert.equal(await str(cache.read('k', () => Promise.resolve(buf('backend')))), 'new');
  });

  it('reads the backend while a key is being written, and caches the value once acknowledged', async () => {
    const cache = new ReadCache();
    const ack = deferred<undefined>();
    const write = cache.write([{ key: 'k', value: buf('written') }], () => ack.promise);
    let loads = 0;
    const during = await str(
      cache.read('k', () => {
        loads++;
        return Promise.resolve(buf('before'));
      }),
    );
    assert.equal(during, 'before', 'an unacknowledged write is not served');
    ack.resolve(undefined);
    await write;
    assert.equal(await str(cache.read('k', () => Promise.resolve(buf('x')))), 'written');
    assert.equal(loads, 1);
  });

  it('drops a key whose writes overlapped, or whose write failed', async () => {
    const cache = new ReadCache();
    const first = deferred<undefined>();
    const second = deferred<undefined>();
    const w1 = cache.write([{ key: 'k', value: buf('one') }], () => first.promise);
    const w2 = cache.write([{ key: 'k', value: buf('two') }], () => second.promise);
    second.resolve(undefined);
    first.resolve(undefined); // the backend alone knows which landed last
    await Promise.all([w1, w2]);
    assert.equal(await str(cache.read('k', () => Promise.resolve(buf('backend')))), 'backend');

    await assert.rejects(
      cache.write([{ key: 'f', value: buf('maybe') }], () => Promise.reject(new Error('timeout'))),
      /timeout/,
    );
    assert.equal(await str(cache.read('f', () => Promise.resolve(buf('backend')))), 'backend');
  });

  it('purge forgets reads, and a write in flight across a purge is not cached', async () => {
    const cache = new ReadCache();
    await cache.read('a', () => Promise.resolve(buf('cached')));
    const ack = deferred<undefined>();
    const write = cache.write([{ key: 'w', value: buf('in-flight') }], () => ack.promise);
    cache.purge();
    assert.equal(await str(cache.read('a', () => Promise.resolve(buf('fresh')))), 'fresh');
    // A read of the key being written still goes to the backend after the purge.
    assert.equal(await str(cache.read('w', () => Promise.resolve(buf('before')))), 'before');
    ack.resolve(undefined);
    await write;
    assert.equal(await str(cache.read('w', () => Promise.resolve(buf('backend')))), 'backend');
  });

  it('a load that fails caches nothing', async () => {
    const cache = new ReadCache();
    await assert.rejects(
      cache.read('k', () => Promise.reject(new Error('down'))),
      /down/,
    );
    assert.equal(await str(cache.read('k', () => Promise.resolve(buf('up')))), 'up');
  });

  it('evicts the least recently used values, by count and by bytes, never a key being written', async () => {
    const cache = new ReadCache({ maxEntries: 3, maxBytes: 800 });
    const ack = deferred<undefined>();
    const write = cache.write([{ key: 'w', value: buf('x') }], () => ack.promise);
    for (const k of ['a', 'b', 'c', 'd']) await cache.read(k, () => Promise.resolve(buf(k)));
    assert.equal(cache.size, 3);
    // 'w' survived the evictions: a load under it still goes to the backend and is not cached.
    assert.equal(await str(cache.read('w', () => Promise.resolve(buf('before')))), 'before');
    ack.resolve(undefined);
    await write;
    assert.equal(await str(cache.read('w', () => Promise.resolve(buf('backend')))), 'x');

    const bytes = new ReadCache({ maxEntries: 100, maxBytes: 800 });
    await bytes.read('big1', () => Promise.resolve(Buffer.alloc(100)));
    await bytes.read('big2', () => Promise.resolve(Buffer.alloc(100)));
    await bytes.read('big1', () => Promise.resolve(Buffer.alloc(1))); // refresh big1
    for (let i = 0; i < 7; i++) await bytes.read(`n${i}`, () => Promise.resolve(Buffer.alloc(100)));
    let loaded = false;
    await bytes.read('big2', () => {
      loaded = true;
      return Promise.resolve(Buffer.alloc(100));
    });
    assert.ok(loaded, 'the least recently used value went first');
    // Too large to cache at all (over an eighth of maxBytes).
    let huge = 0;
    for (let i = 0; i < 2; i++)
      await bytes.read('huge', () => {
        huge++;
        return Promise.resolve(Buffer.alloc(101));
      });
    assert.equal(huge, 2);
  });

  it('evicts even when every value was read since it was cached (second chance runs out)', async () => {
    const cache = new ReadCache({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) await cache.read(k, () => Promise.resolve(buf(k)));
    for (const k of ['a', 'b', 'c']) await cache.read(k, () => Promise.reject(new Error('not cached')));
    await cache.read('d', () => Promise.resolve(buf('d')));
    assert.equal(cache.size, 3);
    assert.equal(await str(cache.read('d', () => Promise.reject(new Error('d was not cached')))), 'd');
    let loads = 0;
    for (const k of ['a', 'b', 'c'])
      await cache.read(k, () => {
        loads++;
        return Promise.resolve(buf(k));
      });
    assert.ok(loads >= 1, 'one of the older values made room');
  });

  it('txnChanges keeps the last operation on each key', () => {
    const changes = txnChanges([
      { op: 'put', entry: { key: 'a', value: buf('1') } },
      { op: 'delete', key: 'b' },
      { op: 'put', entry: { key: 'a', value: buf('2') } },
      { op: 'put', entry: { key: 'b', value: buf('3') } },
      { op: 'delete', key: 'c' },
    ]);
    assert.deepEqual(
      changes.map((c) => [c.key, c.value?.toString() ?? null]),
      [
        ['a', '2'],
        ['b', '3'],
        ['c', null],
      ],
    );
  });
  describe('prefetch', () => {
    const fail = (): Promise<Buffer | undefined> => Promise.reject(new Error('read one by one'));

    it('loads what it holds nothing of in one call; absent keys are remembered as absent', async () => {
      const cache = new ReadCache();
      const s = store();
      s.data.set('cached', 'old');
      assert.equal(await str(cache.read('cached', s.load('cached'))), 'old');
      s.data.set('cached', 'changed behind the cache');
      const asked: string[][] = [];
      await cache.prefetch(['a', 'cached', 'absent', 'a'], (keys) => {
        asked.push(keys);
        return Promise.resolve(new Map([['a', buf('A')]]));
      });
      assert.deepEqual(asked, [['a', 'absent']], 'one call, each key once, none already held');
      assert.equal(await str(cache.read('a', fail)), 'A');
      assert.equal(await cache.read('absent', fail), undefined);
      assert.equal(await str(cache.read('cached', fail)), 'old');
    });

    it('is shared by reads while it loads, and loses to a write that overtakes it', async () => {
      const cache = new ReadCache();
      const gate = deferred<ReadonlyMap<string, Buffer | undefined>>();
      const prefetched = cache.prefetch(['r', 'w'], () => gate.promise);
      const read = cache.read('r', fail);
      await cache.write([{ key: 'w', value: buf('written') }], () => Promise.resolve());
      gate.resolve(
        new Map([
          ['r', buf('R')],
          ['w', buf('stale')],
        ]),
      );
      await prefetched;
      assert.equal(await str(read), 'R', 'the read shared the prefetch');
      assert.equal(await str(cache.read('w', fail)), 'written', 'the write won over the slower prefetch');
    });

    it('skips keys being written, and caches nothing when the load fails', async () => {
      const cache = new ReadCache();
      const ack = deferred<undefined>();
      const write = cache.write([{ key: 'w', value: buf('pending') }], () => ack.promise);
      const asked: string[][] = [];
      await assert.rejects(
        cache.prefetch(['w', 'x'], (keys) => {
          asked.push(keys);
          return Promise.reject(new Error('storage down'));
        }),
        /storage down/,
      );
      assert.deepEqual(asked, [['x']]);
      ack.resolve(undefined);
      await write;
      const s = store();
      s.data.set('x', 'from the backend');
      assert.equal(await str(cache.read('x', s.load('x'))), 'from the backend');
      assert.equal(s.loads, 1, 'the failed prefetch left no slot behind');
    });
  });
});
