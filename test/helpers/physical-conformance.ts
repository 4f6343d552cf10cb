import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { PhysicalBackend } from '../../src/physical/types.js';

/** How the conformance suite gets a backend to test. */
export interface ConformanceTarget {
  /** A fresh, empty backend for one test. */
  open(): PhysicalBackend | Promise<PhysicalBackend>;
  /** Called after each test, after the backend's own `close` (remove a directory, a KV prefix…). */
  cleanup?(backend: PhysicalBackend): void | Promise<void>;
  /**
   * Size of the large value that must round-trip (default 1 MiB). src/physical/types.ts promises
   * no size: a backend may have a limit (Consul's is about 384 KiB, consul/client/limits.ts).
   */
  readonly largeValueBytes?: number;
  /**
   * Keys with ASCII control characters: "stored" like any other (default), or "refused" with a
   * 400 before anything is written (Consul's KV endpoint cannot address them).
   */
  readonly controlCharacterKeys?: 'stored' | 'refused';
}

/** Keys that are not valid storage keys: every backend refuses to write them. */
export const INVALID_KEYS: readonly string[] = [
  '',
  '/a',
  'a//b',
  '../x',
  'a/../b',
  'a/./b',
  '.',
  '..',
  'a/..',
  'a\0b',
];

/** Keys with characters a backend must store and list back exactly. */
export const AWKWARD_KEYS: readonly string[] = [
  'sp ace',
  'pct%41',
  'q?&=#',
  'a:b',
  '~t',
  '_under',
  '.dot',
  '..x',
  '...',
  'back\\slash',
  'caf\u00e9',
  'emoji\u{1f600}',
];

/** Keys with ASCII control characters: stored like the awkward ones, or refused with a 400 (Consul). */
export const CONTROL_KEYS: readonly string[] = ['new\nline', 'tab\there', 'del\u007f'];

/**
 * The behaviour every `PhysicalBackend` shares: values copied in and out byte for byte, one-level
 * sorted lists with folders ending in "/", a leaf and a folder of the same name side by side,
 * refused invalid keys, and all-or-nothing transactions. Call it from a backend's test file.
 */
export function physicalBackendConformance(name: string, target: ConformanceTarget): void {
  describe(`${name}: PhysicalBackend conformance`, () => {
    const controlKeys = target.controlCharacterKeys ?? 'stored';
    const awkwardKeys = controlKeys === 'stored' ? [...AWKWARD_KEYS, ...CONTROL_KEYS] : AWKWARD_KEYS;
    let backend: PhysicalBackend;
    const put = (key: string, value: string | Buffer) =>
      backend.put({ key, value: typeof value === 'string' ? Buffer.from(value) : value });
    const text = async (key: string) => (await backend.get(key))?.value.toString();

    beforeEach(async () => {
      backend = await target.open();
    });
    afterEach(async () => {
      await backend.close?.();
      await target.cleanup?.(backend);
    });

    it('returns undefined for a missing key', async () => {
      assert.equal(await backend.get('nope'), undefined);
      assert.equal(await backend.get('no/such/key'), undefined);
    });

    it('round-trips binary values byte for byte, with the key', async () => {
      const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const big = Buffer.alloc(target.largeValueBytes ?? 1 << 20, 0xa5);
      await put('bin/all', all);
      await put('bin/empty', Buffer.alloc(0));
      await put('bin/big', big);
      assert.deepEqual(await backend.get('bin/all'), { key: 'bin/all', value: all });
      assert.deepEqual((await backend.get('bin/empty'))?.value, Buffer.alloc(0));
      assert.ok((await backend.get('bin/big'))?.value.equals(big));
    });

    it('overwrites a value', async () => {
      await put('k', 'one');
      await put('k', 'two');
      assert.equal(await text('k'), 'two');
    });

    it('copies values in and out', async () => {
      const value = Buffer.from('original');
      await backend.put({ key: 'c', value });
      value.write('mutated!');
      const first = await backend.get('c');
      assert.ok(first !== undefined);
      assert.equal(first.value.toString(), 'original');
      first.value.write('changed!');
      assert.equal(await text('c'), 'original');
    });

    it('deletes, and deleting a missing key is not an error', async () => {
      await put('d/x', '1');
      await backend.delete('d/x');
      assert.equal(await backend.get('d/x'), undefined);
      await backend.delete('d/x');
      await backend.delete('never/was');
    });

    it('lists one level: leaves, and folders ending in "/", sorted', async () => {
      assert.deepEqual(await backend.list(''), []);
      for (const key of ['b/d/e', 'a', 'b/c', 'b/d/f', 'C', 'b/c2/x']) await put(key, key);
      assert.deepEqual(await backend.list(''), ['C', 'a', 'b/']);
      assert.deepEqual(await backend.list('b/'), ['c', 'c2/', 'd/']);
      assert.deepEqual(await backend.list('b/d/'), ['e', 'f']);
      assert.deepEqual(await backend.list('missing/'), []);
      assert.deepEqual(await backend.list('a/'), []);
    });

    it('keeps a leaf and a folder of the same name side by side', async () => {
      await put('a', 'leaf');
      await put('a/b', 'inside');
      assert.deepEqual(await backend.list(''), ['a', 'a/']);
      assert.deepEqual(await backend.list('a/'), ['b']);
      assert.equal(await text('a'), 'leaf');
      assert.equal(await text('a/b'), 'inside');
      await backend.delete('a');
      assert.deepEqual(await backend.list(''), ['a/']);
      assert.equal(await text('a/b'), 'inside');
    });

    it('drops folders from lists once their last key is deleted', async () => {
      await put('x/y/z', '1');
      await put('x/w', '2');
      await backend.delete('x/y/z');
      assert.deepEqual(await backend.list('x/'), ['w']);
      await backend.delete('x/w');
      assert.deepEqual(await backend.list(''), []);
      assert.deepEqual(await backend.list('x/'), []);
    });

    it('stores awkward characters and lists them back exactly', async () => {
      for (const key of awkwardKeys) {
        await put(key, `leaf ${key}`);
        await put(`${key}/in`, `folder ${key}`);
      }
      const expected = [...awkwardKeys, ...awkwardKeys.map((k) => `${k}/`)].sort();
      assert.deepEqual(await backend.list(''), expected);
      for (const key of awkwardKeys) {
        assert.equal(await text(key), `leaf ${key}`);
        assert.deepEqual(await backend.list(`${key}/`), ['in']);
        assert.equal(await text(`${key}/in`), `folder ${key}`);
      }
    });

    if (controlKeys === 'refused')
      it('refuses keys with control characters with a 400 naming the key, and stores nothing', async () => {
        for (const key of CONTROL_KEYS) {
          await assert.rejects(
            async () => put(key, 'x'),
            (err: Error & { status?: number }) => {
              assert.equal(err.status, 400);
              assert.ok(err.message.includes(JSON.stringify(key)), err.message);
              return true;
            },
          );
          if (backend.transaction !== undefined) {
            const ops = [{ op: 'put', entry: { key: `ok/${key}`, value: Buffer.from('x') } }] as const;
            await assert.rejects(async () => backend.transaction?.(ops), /control character/);
          }
          assert.equal(await backend.get(key), undefined);
          assert.deepEqual(await backend.list(`${key}/`), []);
        }
        assert.deepEqual(await backend.list(''), []);
      });

    it('refuses to write invalid keys, and stores nothing', async () => {
      for (const key of INVALID_KEYS) {
        // Wrapped: a backend may throw synchronously (InmemBackend does) rather than reject.
        await assert.rejects(async () => put(key, 'x'), Error, JSON.stringify(key));
      }
      assert.deepEqual(await backend.list(''), []);
    });

    it('handles concurrent writes to one folder', async () => {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => put(`many/k${String(i).padStart(2, '0')}`, `${i}`)),
      );
      const keys = await backend.list('many/');
      assert.equal(keys.length, 40);
      assert.equal(await text('many/k07'), '7');
    });

    it('applies a transaction in order, the last operation on a key winning', async () => {
      assert.ok(backend.transaction !== undefined, 'every storage backend of tresor supports transactions');
      await put('t/old', 'old');
      await put('t/gone', 'gone');
      await backend.transaction([
        { op: 'put', entry: { key: 't/new', value: Buffer.from('new') } },
        { op: 'delete', key: 't/old' },
        { op: 'put', entry: { key: 't/twice', value: Buffer.from('first') } },
        { op: 'put', entry: { key: 't/twice', value: Buffer.from('second') } },
        { op: 'put', entry: { key: 't/gone', value: Buffer.from('back') } },
        { op: 'delete', key: 't/gone' },
        { op: 'delete', key: 't/back' },
        { op: 'put', entry: { key: 't/back', value: Buffer.from('here') } },
        { op: 'put', entry: { key: 'u/v/w', value: Buffer.from('deep') } },
      ]);
      assert.deepEqual(await backend.list('t/'), ['back', 'new', 'twice']);
      assert.equal(await text('t/twice'), 'second');
      assert.equal(await text('t/back'), 'here');
      assert.equal(await text('u/v/w'), 'deep');
      await backend.transaction([]);
    });

    it('applies no operation of a transaction with an invalid key', async () => {
      assert.ok(backend.transaction !== undefined, 'every storage backend of tresor supports transactions');
      await put('keep', 'kept');
      const transaction = backend.transaction.bind(backend);
      await assert.rejects(async () =>
        transaction([
          { op: 'put', entry: { key: 'fresh', value: Buffer.from('x') } },
          { op: 'delete', key: 'keep' },
          { op: 'put', entry: { key: 'a//b', value: Buffer.from('x') } },
        ]),
      );
      assert.deepEqual(await backend.list(''), ['keep']);
      assert.equal(await text('keep'), 'kept');
    });
  });
}
