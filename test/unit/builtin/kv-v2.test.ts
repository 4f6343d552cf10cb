import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kvFactory } from '../../../src/builtin/logical/kv/index.js';
import { kvV2Backend } from '../../../src/builtin/logical/kv/v2/backend.js';
import type { LogicalResponse, Operation } from '../../../src/logical/types.js';
import { VaultError } from '../../../src/helper/errors.js';
import { isNotFound } from '../../../src/logical/not-found.js';
import { MemoryStorage } from '../../helpers/memory-storage.js';
import { backendConfig, request } from '../../helpers/engine-request.js';

const T0 = Date.parse('2024-05-01T12:00:00.000Z');

function setup() {
  const storage = new MemoryStorage();
  const clock = { now: T0 };
  const kv = kvV2Backend({ now: () => clock.now });
  const call = (
    operation: Operation,
    path: string,
    data?: Record<string, unknown>,
  ): Promise<LogicalResponse | undefined> =>
    kv.handleRequest(request({ operation, path, storage, ...(data === undefined ? {} : { data }) }));
  const put = (path: string, data: Record<string, unknown>, options?: Record<string, unknown>) =>
    call('update', `data/${path}`, { data, ...(options === undefined ? {} : { options }) });
  const inner = (resp: LogicalResponse | undefined): Record<string, unknown> => {
    assert.ok(resp?.data);
    return resp.data;
  };
  const tick = (seconds: number) => {
    clock.now += seconds * 1000;
  };
  return { storage, kv, call, put, inner, tick, clock };
}

const status = (code: number, message?: RegExp) => (err: unknown) =>
  err instanceof VaultError && err.status === code && (message === undefined || message.test(err.message));

const V1_WARNING_GET =
  "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.";
const V1_WARNING_PUT =
  "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv put' for this operation.";

describe('kv v2: data', () => {
  it('is chosen by the version option and writes numbered versions', async () => {
    const storage = new MemoryStorage();
    const kv = await kvFactory(backendConfig(storage, { version: '2' }));
    const resp = await kv.handleRequest(
      request({ operation: 'create', path: 'data/app', data: { data: { a: 1 } }, storage }),
    );
    assert.equal(resp?.data?.version, 1);
  });

  it('answers a write with the version metadata and a read with data + metadata', async () => {
    const { put, call, inner } = setup();
    const written = await put('app/db', { password: 'p1' });
    assert.deepEqual(written?.data, {
      created_time: '2024-05-01T12:00:00Z',
      custom_metadata: null,
      deletion_time: '',
      destroyed: false,
      version: 1,
    });
    await put('app/db', { password: 'p2' });
    const latest = inner(await call('read', 'data/app/db'));
    assert.deepEqual(latest.data, { password: 'p2' });
    assert.equal((latest.metadata as Record<string, unknown>).version, 2);
    const first = inner(await call('read', 'data/app/db', { version: '1' }));
    assert.deepEqual(first.data, { password: 'p1' });
    assert.equal(await call('read', 'data/app/db', { version: 7 }), undefined);
    assert.equal(await call('read', 'data/missing'), undefined);
  });

  it('formats created_time as RFC 3339 with the fraction trimmed like Go', async () => {
    const { put, tick } = setup();
    tick(0.25);
    assert.equal((await put('k', { a: 1 }))?.data?.created_time, '2024-05-01T12:00:00.25Z');
  });

  it('requires data', async () => {
    const { call } = setup();
    await assert.rejects(call('update', 'data/k', {}), status(400, /^no data provided$/));
    await assert.rejects(call('update', 'data/k', { options: { cas: 0 } }), status(400, /no data provided/));
  });

  it('rejects dot segments with 400', async () => {
    const { put, call } = setup();
    await assert.rejects(put('a/../b', { a: 1 }), status(400));
    await assert.rejects(call('read', 'metadata/../config'), status(400));
  });
});

describe('kv v2: one storage transaction per write', () => {
  it('writes the version, the metadata and the pruned versions in one transaction', async () => {
    const { put, call, inner, storage } = setup();
    await call('update', 'config', { max_versions: 2 });
    storage.transactions.length = 0;
    for (let i = 1; i <= 3; i++) await put('txn', { i });
    assert.equal(storage.transactions.length, 3, 'one transaction per write');
    const third = storage.transactions[2] ?? [];
    assert.deepEqual(
      third.map((o) => `${o.op} ${o.key.replace(/versions\/[0-9a-f]{64}\//, 'versions/<h>/')}`),
      ['put versions/<h>/3', 'put metadata/txn', 'delete versions/<h>/1'],
    );
    assert.deepEqual(Object.keys(inner(await call('read', 'metadata/txn')).versions as object), ['2', '3']);
  });

  it('changes nothing when the transaction fails, and the next write succeeds', async () => {
    const { put, call, inner, storage } = setup();
    await put('k', { v: 1 });
    const before = new Map(storage.data);
    storage.failTransaction = true;
    await assert.rejects(put('k', { v: 2 }), /injected transaction failure/);
    assert.deepEqual(storage.data, before);
    storage.failTransaction = false;
    // The cached metadata was not advanced by the failed write: the next version is 2.
    assert.equal(inner(await put('k', { v: 3 })).version, 2);
    assert.deepEqual(inner(await call('read', 'data/k')).data, { v: 3 });
  });

  it('writes a large value on its own first, then the metadata', async () => {
    const { put, call, inner, storage } = setup();
    storage.transactions.length = 0;
    await put('big', { blob: 'x'.repeat(70 * 1024) });
    assert.equal(storage.transactions.length, 0);
    assert.equal((inner(await call('read', 'data/big')).data as { blob: string }).blob.length, 70 * 1024);
  });
});

describe('kv v2: check-and-set', () => {
  it('accepts a matching cas, rejects a mismatch, and treats cas 0 as create-only', async () => {
    const { put } = setup();
    assert.equal((await put('k', { v: 1 }, { cas: 0 }))?.data?.version, 1);
    await assert.rejects(
      put('k', { v: 2 }, { cas: 0 }),
      status(400, /^check-and-set parameter did not match the current version$/),
    );
    await assert.rejects(put('k', { v: 2 }, { cas: 5 }), status(400, /did not match/));
    assert.equal((await put('k', { v: 2 }, { cas: 1 }))?.data?.version, 2);
    assert.equal((await put('k', { v: 3 }, { cas: '2' }))?.data?.version, 3);
    await assert.rejects(put('k', { v: 4 }, { cas: 'x' }), status(400, /error parsing check-and-set/));
  });

  it('requires cas when the mount config says so', async () => {
    const { put, call } = setup();
    await call('update', 'config', { cas_required: true });
    await assert.rejects(put('k', { v: 1 }), status(400, /^check-and-set parameter required for this call$/));
    assert.equal((await put('k', { v: 1 }, { cas: 0 }))?.data?.version, 1);
  });

  it('requires cas when the key metadata says so, and warns when a key tries to opt out of the mount rule', async () => {
    const { put, call } = setup();
    await call('update', 'metadata/k', { cas_required: true });
    await assert.rejects(put('k', { v: 1 }), status(400, /check-and-set parameter required/));
    await put('k', { v: 1 }, { cas: 0 });
    await put('other', { v: 1 });
    await call('update', 'config', { cas_required: true });
    const resp = await call('update', 'metadata/other', { cas_required: false });
    assert.match(resp?.warnings?.[0] ?? '', /mandated by backend config/);
  });
});

describe('kv v2: versions and deletion', () => {
  it('prunes the oldest versions beyond max_versions (key setting, then mount setting, then 10)', async () => {
    const { put, call, inner, storage } = setup();
    for (let i = 1; i <= 12; i++) await put('default', { i });
    const meta = inner(await call('read', 'metadata/default'));
    assert.equal(meta.oldest_version, 3);
    assert.deepEqual(Object.keys(meta.versions as object), [
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
      '11',
      '12',
    ]);
    assert.equal(await call('read', 'data/default', { version: 2 }), undefined);

    await call('update', 'config', { max_versions: 3 });
    for (let i = 1; i <= 5; i++) await put('mount', { i });
    assert.deepEqual(Object.keys(inner(await call('read', 'metadata/mount')).versions as object), [
      '3',
      '4',
      '5',
    ]);

    await call('update', 'metadata/key', { max_versions: 2 });
    for (let i = 1; i <= 4; i++) await put('key', { i });
    assert.deepEqual(Object.keys(inner(await call('read', 'metadata/key')).versions as object), ['3', '4']);
    // pruned blobs are gone from storage: 10 + 3 + 2 live versions remain
    assert.equal([...storage.data.keys()].filter((k) => k.startsWith('versions/')).length, 15);
  });

  it('soft-deletes the latest version and answers 404 with the full metadata body', async () => {
    const { put, call, inner, tick } = setup();
    await put('k', { v: 1 });
    await put('k', { v: 2 });
    tick(5);
    assert.equal(await call('delete', 'data/k'), undefined);
    const resp = await call('read', 'data/k');
    assert.equal(resp?.statusCode, 404);
    assert.deepEqual(resp.data, {
      data: null,
      metadata: {
        created_time: '2024-05-01T12:00:00Z',
        custom_metadata: null,
        deletion_time: '2024-05-01T12:00:05Z',
        destroyed: false,
        version: 2,
      },
    });
    assert.deepEqual(inner(await call('read', 'data/k', { version: 1 })).data, { v: 1 });
  });

  it('deletes, undeletes and destroys given versions', async () => {
    const { put, call, inner, storage } = setup();
    for (let i = 1; i <= 3; i++) await put('k', { i });
    assert.equal(await call('update', 'delete/k', { versions: [1, 2] }), undefined);
    assert.equal((await call('read', 'data/k', { version: 1 }))?.statusCode, 404);
    assert.equal((await call('read', 'data/k', { version: 2 }))?.statusCode, 404);
    await call('update', 'undelete/k', { versions: '1' });
    assert.deepEqual(inner(await call('read', 'data/k', { version: 1 })).data, { i: 1 });

    await call('update', 'destroy/k', { versions: [2, 3] });
    const destroyed = await call('read', 'data/k');
    assert.equal(destroyed?.statusCode, 404);
    assert.equal((inner(destroyed).metadata as Record<string, unknown>).destroyed, true);
    await call('update', 'undelete/k', { versions: [2] }); // destroyed versions stay destroyed
    assert.equal((await call('read', 'data/k', { version: 2 }))?.statusCode, 404);
    assert.equal([...storage.data.keys()].filter((k) => k.startsWith('versions/')).length, 1);
    const meta = inner(await call('read', 'metadata/k'));
    assert.deepEqual(meta.versions, {
      '1': { created_time: '2024-05-01T12:00:00Z', deletion_time: '', destroyed: false },
      '2': { created_time: '2024-05-01T12:00:00Z', deletion_time: '2024-05-01T12:00:00Z', destroyed: true },
      '3': { created_time: '2024-05-01T12:00:00Z', deletion_time: '', destroyed: true },
    });
  });

  it('requires versions for delete, undelete and destroy', async () => {
    const { put, call } = setup();
    await put('k', { v: 1 });
    await assert.rejects(call('update', 'delete/k', {}), status(400, /No version number provided/));
    await assert.rejects(
      call('update', 'undelete/k', { versions: [] }),
      status(400, /No version number provided/),
    );
    await assert.rejects(call('update', 'destroy/k', {}), status(400, /no version number provided/));
    await assert.rejects(call('update', 'destroy/k', { versions: ['abc'] }), status(400));
    assert.equal(await call('update', 'delete/unknown', { versions: [1] }), undefined);
  });

  it('treats a version read after its delete_version_after deadline as deleted', async () => {
    const { put, call, inner, tick } = setup();
    await call('update', 'config', { delete_version_after: '1h' });
    const written = await put('k', { v: 1 });
    assert.equal(written?.data?.deletion_time, '2024-05-01T13:00:00Z');
    tick(3599);
    assert.deepEqual(inner(await call('read', 'data/k')).data, { v: 1 });
    tick(1);
    assert.equal((await call('read', 'data/k'))?.statusCode, 404);

    // the key's own setting wins when it is shorter; undelete restarts the clock
    await call('update', 'metadata/short', { delete_version_after: '10s' });
    await put('short', { v: 1 });
    tick(11);
    assert.equal((await call('read', 'data/short'))?.statusCode, 404);
    await call('update', 'undelete/short', { versions: [1] });
    assert.deepEqual(inner(await call('read', 'data/short')).data, { v: 1 });

    // a negative mount setting disables deadlines everywhere
    await call('update', 'config', { delete_version_after: -1 });
    assert.equal(inner(await call('read', 'config')).delete_version_after, '-1s');
    assert.equal((await put('short', { v: 2 }))?.data?.deletion_time, '');
  });
});

describe('kv v2: patch and subkeys', () => {
  it('merge-patches the latest version into a new one', async () => {
    const { put, call, inner } = setup();
    await put('k', { a: 1, b: { c: 2, d: 3 }, gone: true });
    const resp = await call('patch', 'data/k', { data: { b: { d: null, e: 4 }, gone: null, f: [1] } });
    assert.equal(resp?.data?.version, 2);
    assert.deepEqual(inner(await call('read', 'data/k')).data, { a: 1, b: { c: 2, e: 4 }, f: [1] });
  });

  it('refuses to patch what is missing or deleted, and honours cas', async () => {
    const { put, call } = setup();
    // not found is a bare 404 response (src/logical/not-found.ts), never a thrown error
    assert.ok(isNotFound(await call('patch', 'data/none', { data: { a: 1 } })));
    await put('k', { a: 1 });
    await assert.rejects(call('patch', 'data/k', {}), status(400, /no data provided/));
    await assert.rejects(
      call('patch', 'data/k', { data: { a: 2 }, options: { cas: 0 } }),
      status(400, /did not match/),
    );
    await call('delete', 'data/k');
    const resp = await call('patch', 'data/k', { data: { a: 2 } });
    assert.equal(resp?.statusCode, 404);
    assert.equal(resp.data?.version, 1);
  });

  it('shows the structure without values, to a depth, per version', async () => {
    const { put, call, inner } = setup();
    await put('k', { a: 'x', b: { c: 'y', d: { e: 'z' } }, empty: {} });
    await put('k', { only: 'v2' });
    const all = inner(await call('read', 'subkeys/k', { version: 1 }));
    assert.deepEqual(all.subkeys, { a: null, b: { c: null, d: { e: null } }, empty: null });
    assert.equal((all.metadata as Record<string, unknown>).version, 1);
    assert.deepEqual(inner(await call('read', 'subkeys/k', { version: 1, depth: '1' })).subkeys, {
      a: null,
      b: null,
      empty: null,
    });
    assert.deepEqual(inner(await call('read', 'subkeys/k', { version: 1, depth: 2 })).subkeys, {
      a: null,
      b: { c: null, d: null },
      empty: null,
    });
    assert.deepEqual(inner(await call('read', 'subkeys/k')).subkeys, { only: null });
    await call('update', 'destroy/k', { versions: [2] });
    assert.equal((await call('read', 'subkeys/k'))?.statusCode, 404);
    assert.equal(await call('read', 'subkeys/none'), undefined);
  });
});

describe('kv v2: metadata and config', () => {
  it('reads the full metadata document', async () => {
    const { put, call, inner, tick } = setup();
    await put('k', { v: 1 });
    tick(60);
    await put('k', { v: 2 });
    assert.deepEqual(inner(await call('read', 'metadata/k')), {
      cas_required: false,
      created_time: '2024-05-01T12:00:00Z',
      current_version: 2,
      custom_metadata: null,
      delete_version_after: '0s',
      max_versions: 0,
      oldest_version: 0,
      updated_time: '2024-05-01T12:01:00Z',
      versions: {
        '1': { created_time: '2024-05-01T12:00:00Z', deletion_time: '', destroyed: false },
        '2': { created_time: '2024-05-01T12:01:00Z', deletion_time: '', destroyed: false },
      },
    });
    assert.equal(await call('read', 'metadata/none'), undefined);
  });

  it('writes and patches settings and custom_metadata', async () => {
    const { put, call, inner } = setup();
    assert.equal(
      await call('update', 'metadata/k', {
        max_versions: 5,
        delete_version_after: '1h30m',
        custom_metadata: { team: 'core', n: 1 },
      }),
      undefined,
    );
    let meta = inner(await call('read', 'metadata/k'));
    assert.equal(meta.max_versions, 5);
    assert.equal(meta.delete_version_after, '1h30m0s');
    assert.deepEqual(meta.custom_metadata, { team: 'core', n: '1' });
    assert.equal(meta.current_version, 0);

    await call('patch', 'metadata/k', { custom_metadata: { team: null, owner: 'me' }, cas_required: true });
    meta = inner(await call('read', 'metadata/k'));
    assert.deepEqual(meta.custom_metadata, { n: '1', owner: 'me' });
    assert.equal(meta.cas_required, true);
    assert.equal(meta.max_versions, 5);

    // custom_metadata shows on data reads and writes too
    const written = await put('k', { v: 1 }, { cas: 0 });
    assert.deepEqual(written?.data?.custom_metadata, { n: '1', owner: 'me' });
    assert.ok(isNotFound(await call('patch', 'metadata/none', { max_versions: 1 })));
  });

  it('enforces the custom_metadata limits with clear messages', async () => {
    const { call } = setup();
    const tooMany = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    await assert.rejects(
      call('update', 'metadata/k', { custom_metadata: tooMany }),
      status(400, /at most 64 keys, provided 65/),
    );
    await assert.rejects(
      call('update', 'metadata/k', { custom_metadata: { ['x'.repeat(129)]: 'v' } }),
      status(400, /length of key .* is 129 but must be 0 < len\(key\) <= 128/),
    );
    await assert.rejects(
      call('update', 'metadata/k', { custom_metadata: { k: 'é'.repeat(257) } }),
      status(400, /length of value for key "k" is 514 but must be 0 < len\(value\) <= 512/),
    );
    await assert.rejects(
      call('update', 'metadata/k', { custom_metadata: { k: 'a\u0007' } }),
      status(400, /unprintable/),
    );
    await assert.rejects(
      call('update', 'metadata/k', { custom_metadata: { k: { nested: 1 } } }),
      status(400),
    );
    const sixtyFour = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, 'v']));
    await call('update', 'metadata/k', { custom_metadata: sixtyFour });
    await assert.rejects(
      call('patch', 'metadata/k', { custom_metadata: { extra: 'v' } }),
      status(400, /at most 64 keys/),
    );
  });

  it('deletes every version with the metadata', async () => {
    const { put, call, storage } = setup();
    await put('k', { v: 1 });
    await put('k', { v: 2 });
    await put('keep', { v: 1 });
    assert.equal(await call('delete', 'metadata/k'), undefined);
    assert.equal(await call('read', 'metadata/k'), undefined);
    assert.equal(await call('read', 'data/k', { version: 1 }), undefined);
    assert.equal([...storage.data.keys()].filter((k) => k.startsWith('versions/')).length, 1);
    assert.equal((await put('k', { v: 'again' }, { cas: 0 }))?.data?.version, 1);
  });

  it('lists keys by folder', async () => {
    const { put, call } = setup();
    for (const p of ['app/db', 'app/api/key', 'top']) await put(p, { v: 1 });
    assert.deepEqual((await call('list', 'metadata/'))?.data, { keys: ['app/', 'top'] });
    assert.deepEqual((await call('list', 'metadata/app/'))?.data, { keys: ['api/', 'db'] });
    assert.equal(await call('list', 'metadata/nothing/'), undefined);
  });

  it('reads and writes the mount config', async () => {
    const { call, inner } = setup();
    assert.deepEqual(inner(await call('read', 'config')), {
      cas_required: false,
      delete_version_after: '0s',
      max_versions: 0,
    });
    assert.equal(
      await call('update', 'config', { max_versions: 4, cas_required: 'true', delete_version_after: 90 }),
      undefined,
    );
    assert.deepEqual(inner(await call('read', 'config')), {
      cas_required: true,
      delete_version_after: '1m30s',
      max_versions: 4,
    });
    await call('update', 'config', { delete_version_after: 0 });
    assert.equal(inner(await call('read', 'config')).delete_version_after, '0s');
    await assert.rejects(call('update', 'config', { max_versions: -1 }), status(400));
  });
});

describe('kv v2: v1-style paths', () => {
  it('answers 404 with data null and the exact warning Vault gives', async () => {
    const { call } = setup();
    const read = await call('read', 'app/db');
    assert.deepEqual(read, { statusCode: 404, data: null, warnings: [V1_WARNING_GET] });
    const write = await call('update', 'app/db', { a: 1 });
    assert.deepEqual(write, { statusCode: 404, data: null, warnings: [V1_WARNING_PUT] });
    const create = await call('create', 'app/db', { a: 1 });
    assert.deepEqual(create?.warnings, [V1_WARNING_PUT]);
    assert.match((await call('list', ''))?.warnings?.[0] ?? '', /'vault kv list'/);
    assert.match((await call('delete', 'x'))?.warnings?.[0] ?? '', /'vault kv delete'/);
    assert.match((await call('read', 'data/dir/'))?.warnings?.[0] ?? '', /Invalid path/);
    assert.deepEqual((await call('read', 'data'))?.warnings, [
      'Non-listing operations on the root of a K/V v2 mount are not supported.',
    ]);
  });
});
