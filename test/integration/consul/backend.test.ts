import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VaultError } from '../../../src/helper/errors.js';
import { ConsulBackend } from '../../../consul/storage/backend.js';
import { maxValueBytes } from '../../../consul/client/limits.js';
import type { TxnOp } from '../../../src/physical/types.js';
import { CONSUL_START_TIMEOUT, startConsul, type ConsulAgent } from '../../helpers/consul.js';
import { consulStorageConfig } from '../../../src/config/load.js';

const TEST_TIMEOUT = 120_000;

/** Reads a key straight from Consul's HTTP API, bypassing tresor: raw bytes, or undefined on 404. */
async function rawGet(agent: ConsulAgent, key: string): Promise<Buffer | undefined> {
  const res = await fetch(`http://${agent.httpAddr}/v1/kv/${key}?raw`);
  if (res.status === 404) return undefined;
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

describe('storage "consul" against a real Consul agent', () => {
  let agent: ConsulAgent;
  let backend: ConsulBackend;

  before(
    async () => {
      agent = await startConsul();
      // Leading slash stripped and trailing slash appended, as Vault does.
      backend = new ConsulBackend(consulStorageConfig({ address: agent.httpAddr, path: '/vault' }));
    },
    { timeout: CONSUL_START_TIMEOUT },
  );

  after(async () => {
    await backend.close();
    await agent.stop();
  });

  it('normalises the path into a KV prefix', { timeout: TEST_TIMEOUT }, () => {
    assert.equal(backend.settings.prefix, 'vault/');
    assert.equal(
      new ConsulBackend(consulStorageConfig({ address: agent.httpAddr })).settings.prefix,
      'vault/',
    );
  });

  it('puts, gets, overwrites and deletes under the prefix', { timeout: TEST_TIMEOUT }, async () => {
    assert.equal(await backend.get('crud/missing'), undefined);
    await backend.put({ key: 'crud/one', value: Buffer.from('first') });
    assert.deepEqual(await backend.get('crud/one'), { key: 'crud/one', value: Buffer.from('first') });
    assert.deepEqual(await rawGet(agent, 'vault/crud/one'), Buffer.from('first'));
    await backend.put({ key: 'crud/one', value: Buffer.from('second') });
    assert.deepEqual((await backend.get('crud/one'))?.value, Buffer.from('second'));
    await backend.delete('crud/one');
    assert.equal(await backend.get('crud/one'), undefined);
    assert.equal(await rawGet(agent, 'vault/crud/one'), undefined);
    await backend.delete('crud/never-existed');
  });

  it(
    'round-trips binary values byte for byte, including the empty value',
    { timeout: TEST_TIMEOUT },
    async () => {
      const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const invalidUtf8 = Buffer.from([
        0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0x00, 0xf0, 0x28, 0x8c, 0xbc,
      ]);
      for (const [key, value] of [
        ['bin/every-byte', every],
        ['bin/invalid-utf8', invalidUtf8],
        ['bin/empty', Buffer.alloc(0)],
      ] as const) {
        await backend.put({ key, value });
        const got = await backend.get(key);
        assert.ok(got !== undefined, key);
        assert.ok(Buffer.isBuffer(got.value), `${key} must come back as a Buffer`);
        assert.deepEqual(got.value, value, key);
        assert.deepEqual(await rawGet(agent, `vault/${key}`), value, `${key} as stored in Consul`);
      }
    },
  );

  it(
    'lists one level relative to the prefix, folders ending in "/", sorted',
    { timeout: TEST_TIMEOUT },
    async () => {
      for (const key of ['ls/b', 'ls/a', 'ls/dir/x', 'ls/dir/y/z', 'ls/other/deep/er']) {
        await backend.put({ key, value: Buffer.from('v') });
      }
      // A key outside the prefix is not tresor's and is never listed.
      await fetch(`http://${agent.httpAddr}/v1/kv/elsewhere/ls/c`, { method: 'PUT', body: 'x' });
      assert.deepEqual(await backend.list('ls/'), ['a', 'b', 'dir/', 'other/']);
      assert.deepEqual(await backend.list('ls/dir/'), ['x', 'y/']);
      assert.deepEqual(await backend.list('ls/nothing/'), []);
      const top = await backend.list('');
      assert.ok(top.includes('ls/'));
      assert.ok(!top.some((name) => name.startsWith('elsewhere')));
    },
  );

  it('applies a transaction of puts and deletes as a whole', { timeout: TEST_TIMEOUT }, async () => {
    await backend.put({ key: 'txn/old', value: Buffer.from('old') });
    await backend.transaction([
      { op: 'put', entry: { key: 'txn/a', value: Buffer.from('A') } },
      { op: 'put', entry: { key: 'txn/b', value: Buffer.from([0, 1, 2]) } },
      { op: 'delete', key: 'txn/old' },
    ]);
    assert.deepEqual((await backend.get('txn/a'))?.value, Buffer.from('A'));
    assert.deepEqual((await backend.get('txn/b'))?.value, Buffer.from([0, 1, 2]));
    assert.equal(await backend.get('txn/old'), undefined);
    await backend.transaction([]);
  });

  it(
    'refuses a transaction over the operation limit and applies none of it; 63 operations pass',
    { timeout: TEST_TIMEOUT },
    async () => {
      const ops = (n: number, tag: string): TxnOp[] =>
        Array.from(
          { length: n },
          (_, i) =>
            ({ op: 'put', entry: { key: `many/${tag}/${i}`, value: Buffer.from(String(i)) } }) as const,
        );
      await assert.rejects(backend.transaction(ops(64, 'big')), (err: Error) => {
        assert.ok(err instanceof VaultError);
        assert.match(err.message, /64 operations.*at most 64/);
        return true;
      });
      assert.deepEqual(await backend.list('many/'), []);
      await backend.transaction(ops(63, 'ok'));
      assert.equal((await backend.list('many/ok/')).length, 63);
    },
  );

  it(
    'refuses an oversize value clearly, naming key and size, and writes nothing',
    { timeout: TEST_TIMEOUT },
    async () => {
      const big = Buffer.alloc(600 * 1024, 7);
      await assert.rejects(backend.put({ key: 'big/value', value: big }), (err: Error) => {
        assert.ok(err instanceof VaultError);
        assert.equal(err.status, 413);
        assert.match(err.message, /"big\/value"/);
        assert.match(err.message, new RegExp(`${big.length} bytes`));
        return true;
      });
      assert.equal(await backend.get('big/value'), undefined);
      // Inside a transaction: the earlier operations are not applied either.
      await assert.rejects(
        backend.transaction([
          { op: 'put', entry: { key: 'big/first', value: Buffer.from('1') } },
          { op: 'put', entry: { key: 'big/huge', value: big } },
        ]),
        /"big\/huge"/,
      );
      assert.equal(await backend.get('big/first'), undefined);
      // The largest value tresor announces does fit.
      const largest = Buffer.alloc(maxValueBytes(), 9);
      await backend.put({ key: 'big/largest', value: largest });
      assert.deepEqual((await backend.get('big/largest'))?.value, largest);
    },
  );

  it(
    'serves many concurrent requests through a small max_parallel, with strong consistency',
    { timeout: TEST_TIMEOUT },
    async () => {
      const narrow = new ConsulBackend(
        consulStorageConfig({
          address: agent.httpAddr,
          path: 'vault/',
          max_parallel: '2',
          consistency_mode: 'strong',
        }),
      );
      try {
        await Promise.all(
          Array.from({ length: 40 }, (_, i) => narrow.put({ key: `par/${i}`, value: Buffer.from([i]) })),
        );
        const values = await Promise.all(Array.from({ length: 40 }, (_, i) => narrow.get(`par/${i}`)));
        assert.deepEqual(
          values.map((e) => e?.value[0]),
          Array.from({ length: 40 }, (_, i) => i),
        );
      } finally {
        await narrow.close();
      }
    },
  );

  it(
    'rejects a bad storage "consul" block with a message naming the key, before a backend exists',
    { timeout: TEST_TIMEOUT },
    () => {
      for (const [body, key] of [
        [{ consistency_mode: 'eventual' }, /consistency_mode/],
        [{ session_ttl: 'soon' }, /session_ttl/],
        [{ max_parallel: '0' }, /max_parallel/],
        [{ scheme: 'ftp' }, /scheme/],
        [{ nonsense: 'x' }, /unknown key "nonsense" in storage.consul/],
      ] as const)
        assert.throws(() => new ConsulBackend(consulStorageConfig(body)), key);
    },
  );

  it(
    'fails with a 503 that says Consul does not answer, not a hang, when Consul is unreachable',
    { timeout: TEST_TIMEOUT },
    async () => {
      const nowhere = new ConsulBackend(consulStorageConfig({ address: '127.0.0.1:1', path: 'vault/' }));
      try {
        await assert.rejects(
          nowhere.get('x'),
          (err: Error) =>
            err instanceof VaultError &&
            err.status === 503 &&
            err.expose &&
            err.message.startsWith('storage unavailable: the Consul agent does not answer') &&
            err.message.includes('ECONNREFUSED') &&
            !err.message.includes('127.0.0.1'),
        );
      } finally {
        await nowhere.close();
      }
    },
  );
});
