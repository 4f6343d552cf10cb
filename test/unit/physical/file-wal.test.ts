import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBackend } from '../../../src/physical/file.js';
import { decodeRecords, encodeRecord } from '../../../src/physical/file-log.js';
import type { LogOp } from '../../../src/physical/file-log.js';
import { LOG_NAME, LogFile } from '../../../src/physical/file-wal.js';

/** The write-ahead log of file storage: group commit, ordering, replay at open, checkpoints. */
describe('FileBackend write-ahead log', () => {
  let sandbox: string;
  let data: string;
  let backend: FileBackend;
  const put = (key: string, value: string) => backend.put({ key, value: Buffer.from(value) });
  const text = async (b: FileBackend, key: string) => (await b.get(key))?.value.toString();
  const logs = () => readdirSync(data).filter((name) => LOG_NAME.test(name));
  /** The records of the one log file there is. */
  const records = () => {
    const [only, ...more] = logs();
    assert.ok(only !== undefined && more.length === 0, `one log file: ${logs().join(', ')}`);
    return decodeRecords(readFileSync(join(data, only)));
  };
  const putOp = (key: string, value: string): LogOp => ({ op: 'put', key, value: Buffer.from(value) });

  beforeEach(() => {
    sandbox = mkdtempSync(join(tmpdir(), 'tresor-wal-'));
    data = join(sandbox, 'data');
    backend = new FileBackend({ path: data });
  });
  afterEach(async () => {
    await backend.close();
    rmSync(sandbox, { recursive: true, force: true });
  });

  it('commits the writes of one event-loop turn as one log record (one fdatasync)', async () => {
    await Promise.all(Array.from({ length: 16 }, (_, i) => put(`w/${i}`, `v${i}`)));
    const [record, ...rest] = records();
    assert.equal(rest.length, 0);
    assert.deepEqual(
      record?.map((op) => op.key),
      Array.from({ length: 16 }, (_, i) => `w/${i}`),
    );
    assert.equal(statSync(join(data, logs()[0] ?? '')).mode & 0o777, 0o600);
  });

  it('batches writes made while a commit is in flight into the next record', async () => {
    const first = put('a', '1'); // starts the first batch on the next turn
    await new Promise((resolve) => setImmediate(resolve));
    const later = Array.from({ length: 10 }, (_, i) => put(`b/${i}`, 'x'));
    await Promise.all([first, ...later]);
    assert.deepEqual(
      records().map((r) => r.length),
      [1, 10],
    );
  });

  it('ends concurrent puts of one key with the value of the last call', async () => {
    const values = Array.from({ length: 200 }, (_, i) => `value-${i}`);
    const writes: Promise<void>[] = [];
    for (const [i, v] of values.entries()) {
      writes.push(put('race/key', v));
      // Spread the calls over several batches, some while a commit is in flight.
      if (i % 37 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(writes);
    assert.equal(await text(backend, 'race/key'), 'value-199');
    assert.ok(records().length > 1);
    await backend.close();
    assert.equal(await text(new FileBackend({ path: data }), 'race/key'), 'value-199');
  });

  it('applies puts and deletes interleaved on a few keys in the order of the calls', async () => {
    const model = new Map<string, string>();
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      const key = `mix/k${(i * 7) % 5}`;
      if (i % 3 === 2) {
        writes.push(backend.delete(key));
        model.delete(key);
      } else if (i % 11 === 0) {
        const other = `mix/k${(i + 1) % 5}`;
        writes.push(
          backend.transaction([
            { op: 'delete', key },
            { op: 'put', entry: { key: other, value: Buffer.from(`t${i}`) } },
          ]),
        );
        model.delete(key);
        model.set(other, `t${i}`);
      } else {
        writes.push(put(key, `p${i}`));
        model.set(key, `p${i}`);
      }
      if (i % 23 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(writes);
    const expected = [...model.keys()].map((k) => k.slice('mix/'.length)).sort();
    for (const b of [backend, new FileBackend({ path: data })]) {
      assert.deepEqual(await b.list('mix/'), expected);
      for (const [key, value] of model) assert.equal(await text(b, key), value, key);
    }
  });

  it('logs nothing for a delete of a key that is not there', async () => {
    await backend.delete('never/was');
    await backend.transaction([{ op: 'delete', key: 'nor/this' }]);
    assert.deepEqual(logs(), []);
    await put('k', 'v');
    await Promise.all([backend.delete('k'), backend.delete('k')]);
    assert.deepEqual(
      records().map((r) => r.map((op) => op.op)),
      [['put'], ['delete', 'delete']],
    );
    assert.equal(await backend.get('k'), undefined);
  });

  it('refuses a write the data files cannot take before logging it, and logs the others', async () => {
    writeFileSync(join(data, 'blocker'), 'a foreign file where a folder must go');
    const results = await Promise.allSettled([put('ok/1', 'a'), put('blocker/x', 'b'), put('ok/2', 'c')]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(
      records().map((r) => r.map((op) => op.key)),
      [['ok/1', 'ok/2']],
    );
    assert.deepEqual(await backend.list('ok/'), ['1', '2']);
  });

  it('on close, makes everything durable and removes the log', async () => {
    await put('a/b', '1');
    assert.equal(logs().length, 1);
    await backend.close();
    assert.deepEqual(logs(), []);
    assert.equal(await text(new FileBackend({ path: data }), 'a/b'), '1');
    // Writes after close go on (into a new log).
    await put('a/c', '2');
    assert.equal(await text(backend, 'a/c'), '2');
  });

  it('checkpoints when the log passes its limit: older logs go, data stays', async () => {
    const small = new FileBackend({ path: join(sandbox, 'small'), logLimitBytes: 1 });
    for (let i = 0; i < 20; i++) await small.put({ key: `c/${i}`, value: Buffer.from(`${i}`) });
    await small.close();
    assert.deepEqual(
      readdirSync(join(sandbox, 'small')).filter((n) => LOG_NAME.test(n)),
      [],
    );
    const reopened = new FileBackend({ path: join(sandbox, 'small') });
    assert.equal((await reopened.list('c/')).length, 20);
    await reopened.close();
  });

  describe('replay at open', () => {
    /** Writes log generation `generation` with `records`; the last torn by `tear` bytes. */
    async function writeLog(generation: number, recs: LogOp[][], tear = 0): Promise<string> {
      const log = await LogFile.create(data, generation);
      for (const r of recs) await log.append(encodeRecord(r));
      await log.close();
      if (tear > 0) truncateSync(log.path, log.length - tear);
      return log.path;
    }

    it('applies whole records and ignores a torn last record', async () => {
      await put('x', 'old');
      await backend.close();
      await writeLog(
        7,
        [
          [putOp('x', 'committed'), putOp('y/z', 'committed')],
          [putOp('x', 'torn'), { op: 'delete', key: 'y/z' }],
        ],
        5,
      );
      const reopened = new FileBackend({ path: data });
      assert.equal(await text(reopened, 'x'), 'committed');
      assert.equal(await text(reopened, 'y/z'), 'committed');
      assert.deepEqual(logs(), []);
      // New logs come after the replayed generation.
      await reopened.put({ key: 'n', value: Buffer.from('1') });
      assert.deepEqual(logs(), ['.wal-0000000000000008']);
      await reopened.close();
    });

    it('completes a transaction a crash left half applied, removing its temp files', async () => {
      await backend.close();
      // What a crash in the middle of applying a logged record leaves: part of it, and a temp file.
      mkdirSync(join(data, 't'), { mode: 0o700 });
      writeFileSync(join(data, 't', '_a'), 'new', { mode: 0o600 });
      writeFileSync(join(data, 't', '.tmp-0123456789abcdef01234567'), 'ne', { mode: 0o600 });
      writeFileSync(join(data, '_gone'), 'old', { mode: 0o600 });
      mkdirSync(join(data, 'empty'), { mode: 0o700 }); // its last key deleted, the folder not yet
      await writeLog(1, [
        [
          putOp('t/a', 'new'),
          putOp('t/b', 'new'),
          { op: 'delete', key: 'gone' },
          { op: 'delete', key: 'empty/k' },
        ],
      ]);
      const reopened = new FileBackend({ path: data });
      assert.equal(await text(reopened, 't/b'), 'new');
      assert.equal(await reopened.get('gone'), undefined);
      assert.deepEqual(await reopened.list(''), ['t/']);
      assert.deepEqual(readdirSync(join(data, 't')).sort(), ['_a', '_b']);
      assert.deepEqual(logs(), []);
    });

    it('replays several generations oldest first', async () => {
      await backend.close();
      await writeLog(2, [[putOp('k', 'second')]]);
      await writeLog(1, [[putOp('k', 'first'), putOp('only/first', '1')]]);
      await writeLog(3, [[{ op: 'delete', key: 'only/first' }]]);
      const reopened = new FileBackend({ path: data });
      assert.equal(await text(reopened, 'k'), 'second');
      assert.deepEqual(await reopened.list(''), ['k']);
    });
  });
});
