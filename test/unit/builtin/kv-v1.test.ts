import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kvFactory } from '../../../src/builtin/logical/kv/index.js';
import type { LogicalBackend, LogicalResponse, Operation } from '../../../src/logical/types.js';
import { VaultError } from '../../../src/helper/errors.js';
import { MemoryStorage } from '../../helpers/memory-storage.js';
import { DEFAULT_LEASE_TTL, backendConfig, request } from '../../helpers/engine-request.js';

async function setup(defaultLeaseTtl = DEFAULT_LEASE_TTL) {
  const storage = new MemoryStorage();
  const kv: LogicalBackend = await kvFactory(backendConfig(storage, {}, defaultLeaseTtl));
  const call = (
    operation: Operation,
    path: string,
    data?: Record<string, unknown>,
  ): Promise<LogicalResponse | undefined> =>
    kv.handleRequest(request({ operation, path, storage, ...(data === undefined ? {} : { data }) }));
  return { storage, kv, call };
}

const status = (code: number, message?: RegExp) => (err: unknown) =>
  err instanceof VaultError && err.status === code && (message === undefined || message.test(err.message));

describe('kv v1', () => {
  it('is the default when no version option is given', async () => {
    const { call } = await setup();
    assert.equal(await call('create', 'app/db', { password: 'hunter2' }), undefined); // 204
    const resp = await call('read', 'app/db');
    assert.deepEqual(resp?.data, { password: 'hunter2' });
  });

  it('reports the mount default lease TTL, or the stored ttl/lease field, without a lease', async () => {
    const { call } = await setup(3600);
    await call('update', 'a', { v: 1 });
    await call('update', 'b', { v: 1, ttl: '30m' });
    await call('update', 'c', { v: 1, lease: 90 });
    await call('update', 'd', { v: 1, ttl: 'not a duration' });
    assert.deepEqual((await call('read', 'a'))?.secret, { ttl: 3600, renewable: false });
    assert.deepEqual((await call('read', 'b'))?.secret, { ttl: 1800, renewable: false });
    assert.deepEqual((await call('read', 'c'))?.secret, { ttl: 90, renewable: false });
    assert.deepEqual((await call('read', 'd'))?.secret, { ttl: 3600, renewable: false });
  });

  it('answers a missing secret with nothing (404)', async () => {
    const { call } = await setup();
    assert.equal(await call('read', 'nope'), undefined);
  });

  it('overwrites on update and deletes', async () => {
    const { call } = await setup();
    await call('create', 'k', { a: 1 });
    await call('update', 'k', { b: 2 });
    assert.deepEqual((await call('read', 'k'))?.data, { b: 2 });
    assert.equal(await call('delete', 'k'), undefined);
    assert.equal(await call('read', 'k'), undefined);
  });

  it('lists one level, marking folders with a trailing slash', async () => {
    const { call } = await setup();
    for (const path of ['app/db', 'app/api/key', 'other']) await call('create', path, { v: 1 });
    assert.deepEqual((await call('list', 'app/'))?.data, { keys: ['api/', 'db'] });
    assert.deepEqual((await call('list', ''))?.data, { keys: ['app/', 'other'] });
    assert.equal(await call('list', 'empty/'), undefined);
  });

  it('refuses empty bodies, folder paths and dot segments', async () => {
    const { call } = await setup();
    await assert.rejects(call('update', 'k', {}), status(400, /missing data fields/));
    await assert.rejects(call('update', 'dir/', { a: 1 }), status(400, /must not end in "\/"/));
    await assert.rejects(call('update', 'a/../b', { a: 1 }), status(400, /\.\./));
    await assert.rejects(call('read', '../x'), status(400));
    await assert.rejects(call('list', 'a/../'), status(400));
  });

  it('stores the map as written and reports existence', async () => {
    const { call, kv, storage } = await setup();
    assert.equal(await kv.existenceCheck?.(request({ operation: 'create', path: 'x', storage })), false);
    await call('create', 'x', { nested: { deep: [1, 2] } });
    assert.equal(await kv.existenceCheck?.(request({ operation: 'update', path: 'x', storage })), true);
    assert.deepEqual(JSON.parse(storage.text('x') ?? ''), { nested: { deep: [1, 2] } });
  });

  it('surfaces storage failures instead of swallowing them', async () => {
    const { call, storage } = await setup();
    storage.failPut = true;
    await assert.rejects(call('update', 'x', { a: 1 }), /injected/);
  });

  it('rejects an unknown kv version', () => {
    assert.throws(
      () => kvFactory(backendConfig(new MemoryStorage(), { version: '3' })),
      status(400, /version/),
    );
  });
});
