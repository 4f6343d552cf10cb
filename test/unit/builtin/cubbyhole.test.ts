import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cubbyholeFactory, destroyCubbyhole } from '../../../src/builtin/logical/cubbyhole/index.js';
import type { LogicalBackend, LogicalResponse, Operation } from '../../../src/logical/types.js';
import { VaultError } from '../../../src/helper/errors.js';
import { MemoryStorage } from '../../helpers/memory-storage.js';
import { backendConfig, request } from '../../helpers/engine-request.js';

async function setup() {
  const storage = new MemoryStorage();
  const cubby: LogicalBackend = await cubbyholeFactory(backendConfig(storage));
  const as =
    (cubbyholeId: string | undefined) =>
    (
      operation: Operation,
      path: string,
      data?: Record<string, unknown>,
    ): Promise<LogicalResponse | undefined> =>
      cubby.handleRequest(
        request({
          operation,
          path,
          storage,
          mountPoint: 'cubbyhole/',
          ...(data === undefined ? {} : { data }),
          ...(cubbyholeId === undefined ? {} : { cubbyholeId }),
        }),
      );
  return { storage, cubby, alice: as('cubby-alice'), bob: as('cubby-bob'), anonymous: as(undefined) };
}

const status = (code: number, message?: RegExp) => (err: unknown) =>
  err instanceof VaultError && err.status === code && (message === undefined || message.test(err.message));

describe('cubbyhole', () => {
  it('stores, reads (without a lease), lists and deletes within the caller’s cubbyhole', async () => {
    const { alice } = await setup();
    assert.equal(await alice('create', 'response', { token: 'x' }), undefined);
    await alice('create', 'dir/one', { a: 1 });
    const resp = await alice('read', 'response');
    assert.deepEqual(resp?.data, { token: 'x' });
    assert.equal(resp.secret, undefined); // lease_duration 0
    assert.deepEqual((await alice('list', ''))?.data, { keys: ['dir/', 'response'] });
    assert.deepEqual((await alice('list', 'dir/'))?.data, { keys: ['one'] });
    await alice('delete', 'response');
    assert.equal(await alice('read', 'response'), undefined);
  });

  it('isolates two cubbyholes from each other', async () => {
    const { alice, bob } = await setup();
    await alice('create', 'secret', { owner: 'alice' });
    await bob('create', 'secret', { owner: 'bob' });
    assert.deepEqual((await alice('read', 'secret'))?.data, { owner: 'alice' });
    assert.deepEqual((await bob('read', 'secret'))?.data, { owner: 'bob' });
    await bob('delete', 'secret');
    assert.deepEqual((await alice('read', 'secret'))?.data, { owner: 'alice' });
    assert.equal(await bob('list', ''), undefined);
    assert.equal(await bob('read', '../cubby-alice/secret').catch(() => 'refused'), 'refused');
  });

  it('refuses requests without a token', async () => {
    const { anonymous } = await setup();
    await assert.rejects(anonymous('read', 'x'), status(400, /token based auth/));
    await assert.rejects(anonymous('create', 'x', { a: 1 }), status(400, /token based auth/));
  });

  it('validates writes like kv v1', async () => {
    const { alice } = await setup();
    await assert.rejects(alice('create', 'x', {}), status(400, /missing data fields/));
    await assert.rejects(alice('create', 'x/', { a: 1 }), status(400));
    await assert.rejects(alice('create', '', { a: 1 }), status(400, /missing path/));
  });

  it('destroyCubbyhole removes one cubbyhole, nested folders included, and nothing else', async () => {
    const { alice, bob, storage } = await setup();
    await alice('create', 'a', { v: 1 });
    await alice('create', 'a/b/c', { v: 1 });
    await bob('create', 'a', { v: 2 });
    await destroyCubbyhole(storage, 'cubby-alice');
    assert.equal(await alice('read', 'a'), undefined);
    assert.equal(await alice('list', ''), undefined);
    assert.deepEqual([...storage.data.keys()], ['cubby-bob/a']);
    await destroyCubbyhole(storage, 'cubby-alice'); // idempotent
    await assert.rejects(destroyCubbyhole(storage, ''), status(400));
  });
});
