import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { FileBackend } from '../../../src/physical/file.js';
import type { PhysicalBackend } from '../../../src/physical/types.js';
import { StorageError } from '../../../src/helper/errors.js';
import { physicalBackendConformance } from '../../helpers/physical-conformance.js';
import { LOG_NAME } from '../../../src/physical/file-wal.js';

const dirs = new Map<PhysicalBackend, string>();

physicalBackendConformance('file', {
  open() {
    const dir = mkdtempSync(join(tmpdir(), 'tresor-file-'));
    const backend = new FileBackend({ path: join(dir, 'data') });
    dirs.set(backend, dir);
    return backend;
  },
  cleanup(backend) {
    const dir = dirs.get(backend);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  },
});

/** Every file and folder under `root` but the write-ahead log, as paths relative to it, sorted. */
function walk(root: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (LOG_NAME.test(entry.name)) continue;
    const path = join(root, entry.name);
    out.push(relative(root, path));
    if (entry.isDirectory()) out.push(...walk(path).map((p) => join(entry.name, p)));
  }
  return out.sort();
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('FileBackend', () => {
  let sandbox: string;
  let data: string;
  let backend: FileBackend;
  const put = (key: string, value: string) => backend.put({ key, value: Buffer.from(value) });
  const text = async (key: string) => (await backend.get(key))?.value.toString();

  beforeEach(() => {
    sandbox = mkdtempSync(join(tmpdir(), 'tresor-file-'));
    data = join(sandbox, 'nested', 'data');
    backend = new FileBackend({ path: data });
  });
  afterEach(() => {
    rmSync(sandbox, { recursive: true, force: true });
  });

  it('creates the data directory with mode 0700, folders 0700 and files 0600', async () => {
    assert.equal(mode(data), 0o700);
    await put('a/b/c', 'v');
    assert.equal(mode(join(data, 'a')), 0o700);
    assert.equal(mode(join(data, 'a', 'b')), 0o700);
    assert.equal(mode(join(data, 'a', 'b', '_c')), 0o600);
    assert.equal(backend.type, 'file');
  });

  it('lays keys out as folders and "_"-prefixed leaves, leaving no temp files', async () => {
    await put('a', '1');
    await put('a/b', '2');
    await put('_x/.y', '3');
    assert.deepEqual(walk(data), ['%5Fx', join('%5Fx', '_.y'), '_a', 'a', join('a', '_b')]);
  });

  it('keeps data across instances', async () => {
    await put('p/q', 'persisted');
    const again = new FileBackend({ path: data });
    assert.equal((await again.get('p/q'))?.value.toString(), 'persisted');
    assert.deepEqual(await again.list('p/'), ['q']);
  });

  it('removes folders a delete leaves empty, and only those', async () => {
    await put('a/b/c/d', '1');
    await put('a/x', '2');
    await backend.delete('a/b/c/d');
    assert.deepEqual(walk(data), ['a', join('a', '_x')]);
    await backend.delete('a/x');
    assert.deepEqual(walk(data), []);
    assert.equal(mode(data), 0o700);
  });

  it('never lets a key reach outside the data directory', async () => {
    for (const key of ['../x', 'a/../../x', '/etc/passwd', '.', '..', 'a/..', '../data/_x', '..\0/x']) {
      await assert.rejects(put(key, 'evil'), Error, key);
      assert.equal(await backend.get(key), undefined);
      await backend.delete(key);
      assert.deepEqual(await backend.list(`${key}/`), []);
    }
    for (const key of ['a\\..\\b', '..\\..\\x', '%2e%2e/x', '.../x', 'x/...', 'C:\\x']) {
      await put(key, `stored ${key}`);
      assert.equal(await text(key), `stored ${key}`);
    }
    assert.deepEqual(readdirSync(sandbox), ['nested']);
    assert.deepEqual(readdirSync(join(sandbox, 'nested')), ['data']);
    for (const path of walk(data)) assert.ok(!path.split(sep).includes('..'), path);
    assert.deepEqual(await backend.list(''), ['%2e%2e/', '.../', '..\\..\\x', 'C:\\x', 'a\\..\\b', 'x/']);
    assert.deepEqual(await backend.list('x/'), ['...']);
  });

  it('refuses keys a file name cannot hold one-to-one', async () => {
    await assert.rejects(put('a'.repeat(300), 'x'), /longer than/);
    await assert.rejects(put(`${'b'.repeat(300)}/c`, 'x'), /longer than/);
    await assert.rejects(put('lone\ud800', 'x'), /UTF-16/);
    assert.deepEqual(walk(data), []);
  });

  it('ignores files it did not write when listing', async () => {
    await put('f/k', '1');
    writeFileSync(join(data, 'README'), 'hello');
    writeFileSync(join(data, 'f', '.tmp-000000000000000000000000'), 'leftover');
    writeFileSync(join(data, '_not%2Fcanonical'), 'x'); // would decode to a name with "/"
    writeFileSync(join(data, '_lower%2f'), 'x'); // not how this backend encodes
    mkdirSync(join(data, '%2E.')); // would decode to ".."
    mkdirSync(join(data, '_weird'));
    mkdirSync(join(data, '.hidden'));
    assert.deepEqual(await backend.list(''), ['f/']);
    assert.deepEqual(await backend.list('f/'), ['k']);
  });

  it('survives concurrent puts to one key: one whole value wins, no temp files remain', async () => {
    const values = Array.from({ length: 50 }, (_, i) => `value-${i}-${'x'.repeat(i * 100)}`);
    await Promise.all(values.map((v) => put('race/key', v)));
    assert.ok(values.includes((await text('race/key')) ?? ''));
    assert.deepEqual(readdirSync(join(data, 'race')), ['_key']);
  });

  it('survives puts racing deletes that prune their folder', async () => {
    const ops: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      ops.push(put(`churn/deep/k${i % 3}`, `${i}`));
      ops.push(backend.delete(`churn/deep/k${(i + 1) % 3}`));
    }
    await Promise.all(ops);
    await put('churn/deep/final', 'ok');
    assert.equal(await text('churn/deep/final'), 'ok');
    assert.ok((await backend.list('churn/deep/')).includes('final'));
  });

  it('leaves no journal or temp file after a transaction', async () => {
    await backend.transaction([
      { op: 'put', entry: { key: 't/a', value: Buffer.from('1') } },
      { op: 'put', entry: { key: 'u/b', value: Buffer.from('2') } },
    ]);
    assert.deepEqual(walk(data), ['t', join('t', '_a'), 'u', join('u', '_b')]);
  });

  it('changes nothing when a transaction fails before its commit point', async () => {
    await put('keep', 'kept');
    writeFileSync(join(data, 'blocker'), 'a foreign file where a folder must go');
    await assert.rejects(
      backend.transaction([
        { op: 'put', entry: { key: 'fresh/a', value: Buffer.from('1') } },
        { op: 'delete', key: 'keep' },
        { op: 'put', entry: { key: 'blocker/x', value: Buffer.from('2') } },
      ]),
      StorageError,
    );
    assert.equal(await text('keep'), 'kept');
    assert.deepEqual(walk(data), ['_keep', 'blocker']);
  });

  it('rolls a committed transaction forward when opened after a crash', async () => {
    await put('old', 'to be deleted');
    await backend.close();
    // What a crash right after the commit point leaves: temp files and a journal.
    const tmp = '.tmp-0123456789abcdef01234567';
    mkdirSync(join(data, 'k'), { mode: 0o700 });
    writeFileSync(join(data, 'k', tmp), 'committed', { mode: 0o600 });
    const ops = [
      { op: 'put', key: 'k/one', tmp },
      { op: 'delete', key: 'old' },
    ];
    writeFileSync(
      join(data, '.txn-0000000000001-0123456789abcdef.json'),
      JSON.stringify({ version: 1, ops }),
    );
    // And what a crash before it leaves: a partial journal, never applied.
    writeFileSync(
      join(data, '.txn-0000000000002-0123456789abcdef.json.tmp'),
      '{"version":1,"ops":[{"op":"del',
    );
    const reopened = new FileBackend({ path: data });
    assert.equal((await reopened.get('k/one'))?.value.toString(), 'committed');
    assert.equal(await reopened.get('old'), undefined);
    assert.deepEqual(walk(data), ['k', join('k', '_one')]);
  });

  it('fails every operation, saying why, when a journal is corrupt', async () => {
    writeFileSync(
      join(data, '.txn-0000000000001-0123456789abcdef.json'),
      '{"ops":[{"op":"put","key":"../x"}]}',
    );
    const reopened = new FileBackend({ path: data });
    await assert.rejects(
      reopened.get('a'),
      (err: unknown) => err instanceof StorageError && err.message.includes('journal'),
    );
    await assert.rejects(reopened.put({ key: 'a', value: Buffer.from('x') }), StorageError);
  });
});
