import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { userpassFactory } from '../../../../src/builtin/credential/userpass/index.js';
import { request } from '../../../helpers/engine-request.js';
import { authHarness, status } from '../../../helpers/auth-request.js';

const setup = () => authHarness(userpassFactory, 'auth/userpass/');
const PASSWORD = 'correct horse battery staple';

describe('userpass', () => {
  it('creates, reads, lists, updates and deletes users (names lowercased)', async () => {
    const { call } = await setup();
    assert.equal(
      await call('create', 'users/Alice', { password: PASSWORD, token_policies: 'dev,ops', token_ttl: '1h' }),
      undefined,
    );
    const read = await call('read', 'users/alice');
    assert.deepEqual(read?.data, {
      token_bound_cidrs: [],
      token_explicit_max_ttl: 0,
      token_max_ttl: 0,
      token_no_default_policy: false,
      token_num_uses: 0,
      token_period: 0,
      token_policies: ['dev', 'ops'],
      token_ttl: 3600,
      token_type: 'default',
      policies: ['dev', 'ops'],
      ttl: 3600,
    });
    assert.equal(JSON.stringify(read.data).includes('password'), false, 'the hash is never shown');
    await call('create', 'users/bob', { password: 'x', policies: 'legacy' });
    assert.deepEqual((await call('list', 'users/'))?.data, { keys: ['alice', 'bob'] });
    // an update without a password keeps it and changes only what was sent
    await call('update', 'users/ALICE', { token_max_ttl: '2h' });
    const updated = await call('read', 'users/alice');
    assert.equal(updated?.data?.token_max_ttl, 7200);
    assert.deepEqual(updated.data.token_policies, ['dev', 'ops']);
    assert.ok((await call('update', 'login/alice', { password: PASSWORD }))?.auth);
    await call('delete', 'users/alice');
    assert.equal(await call('read', 'users/alice'), undefined);
    assert.deepEqual((await call('list', 'users/'))?.data, { keys: ['bob'] });
  });

  it('logs in: policies, metadata, display name, TTLs and bound CIDRs on the auth', async () => {
    const { call } = await setup();
    await call('create', 'users/bob', {
      password: PASSWORD,
      token_policies: ['reader'],
      token_ttl: 60,
      token_max_ttl: 600,
      token_num_uses: 5,
      token_bound_cidrs: '127.0.0.0/8',
    });
    const resp = await call('update', 'login/BOB', { password: PASSWORD });
    assert.deepEqual(resp?.auth, {
      policies: ['reader'],
      ttl: 60,
      period: 0,
      renewable: true,
      numUses: 5,
      noDefaultPolicy: false,
      maxTtl: 600,
      boundCidrs: ['127.0.0.0/8'],
      metadata: { username: 'bob' },
      displayName: 'userpass-bob',
      internalData: { username: 'bob' },
    });
    assert.equal(resp.data, undefined);
    // from outside token_bound_cidrs the login is refused even with the right password
    await assert.rejects(
      call('update', 'login/bob', { password: PASSWORD }, '10.1.2.3'),
      status(400, /invalid CIDR/),
    );
    // IPv4-mapped IPv6 clients are IPv4 clients
    assert.ok((await call('update', 'login/bob', { password: PASSWORD }, '::ffff:127.0.0.1'))?.auth);
  });

  it('answers a wrong password and an unknown user the same way, after the same work', async () => {
    const { call } = await setup();
    await call('create', 'users/carol', { password: PASSWORD });
    const time = async (path: string): Promise<number> => {
      const t0 = performance.now();
      await assert.rejects(
        call('update', path, { password: 'wrong password' }),
        status(400, /^invalid username or password$/),
      );
      return performance.now() - t0;
    };
    const wrong = await time('login/carol');
    const unknown = await time('login/nobody');
    const invalidName = await time('login/no..body');
    // the unknown user runs the same scrypt check: not an instant answer
    assert.ok(
      unknown > wrong / 3,
      `unknown user answered in ${unknown.toFixed(0)} ms, wrong password in ${wrong.toFixed(0)} ms`,
    );
    assert.ok(invalidName > wrong / 3, `invalid name answered in ${invalidName.toFixed(0)} ms`);
    await assert.rejects(call('update', 'login/carol', {}), status(400, /missing password/));
  });

  it('stores only a salted scrypt hash of the password', async () => {
    const { call, dump } = await setup();
    await call('create', 'users/dave', { password: PASSWORD });
    await call('create', 'users/erin', { password: PASSWORD });
    const stored = dump();
    assert.equal(stored.includes(PASSWORD), false);
    assert.equal(stored.includes(Buffer.from(PASSWORD).toString('base64')), false);
    const hashes = [...stored.matchAll(/"hash":"([^"]+)"/g)].map((m) => m[1]);
    assert.equal(hashes.length, 2);
    assert.notEqual(hashes[0], hashes[1], 'same password, different salts');
    assert.match(stored, /"alg":"scrypt","n":32768,"r":8,"p":3/);
  });

  it('changes the password and the policies through their own paths', async () => {
    const { call } = await setup();
    await call('create', 'users/frank', { password: 'old-password' });
    await call('update', 'users/frank/password', { password: 'new-password' });
    await assert.rejects(
      call('update', 'login/frank', { password: 'old-password' }),
      status(400, /invalid username or password/),
    );
    assert.ok((await call('update', 'login/frank', { password: 'new-password' }))?.auth);
    await call('update', 'users/frank/policies', { token_policies: 'a,b' });
    assert.deepEqual((await call('update', 'login/frank', { password: 'new-password' }))?.auth?.policies, [
      'a',
      'b',
    ]);
    await call('update', 'users/frank/policies', { policies: ['c'] });
    assert.deepEqual((await call('read', 'users/frank'))?.data?.token_policies, ['c']);
    await assert.rejects(call('update', 'users/frank/policies', {}), status(400, /missing token_policies/));
    await assert.rejects(call('update', 'users/frank/password', {}), status(400, /missing password/));
    await assert.rejects(
      call('update', 'users/ghost/password', { password: 'x' }),
      status(400, /username does not exist/),
    );
    await assert.rejects(
      call('update', 'users/ghost/policies', { token_policies: 'x' }),
      status(400, /username does not exist/),
    );
  });

  it('refuses bad input with a 400 naming the problem, and stores nothing', async () => {
    const { call, storage } = await setup();
    await assert.rejects(call('create', 'users/new', {}), status(400, /missing password/));
    await assert.rejects(call('create', 'users/new', { password: '' }), status(400, /missing password/));
    await assert.rejects(
      call('create', 'users/new', { password: 'x', token_ttl: 'forever' }),
      status(400, /token_ttl/),
    );
    await assert.rejects(
      call('create', 'users/new', { password: 'x', token_bound_cidrs: 'not-a-cidr' }),
      status(400, /token_bound_cidrs/),
    );
    await assert.rejects(
      call('create', 'users/new', { password: 'x', token_type: 'batch' }),
      status(400, /token_type/),
    );
    await assert.rejects(
      call('create', 'users/new', { password: ['a'] }),
      status(400, /'password' must be a string/),
    );
    await assert.rejects(call('create', 'users/a..b', { password: 'x' }), status(400, /invalid username/));
    await assert.rejects(call('create', 'users/-x', { password: 'x' }), status(400, /invalid username/));
    await assert.rejects(call('create', 'users/a/b', { password: 'x' }), status(404));
    assert.equal(storage.data.size, 0);
  });

  it('reports the login identity for lockout, lowercased, and nothing for other paths', async () => {
    const { backend, storage } = await setup();
    const id = (operation: 'update' | 'read', path: string) =>
      backend.loginIdentifier?.(
        request({ operation, path, storage, mountPoint: 'auth/userpass/', data: { password: 'x' } }),
      );
    assert.equal(await id('update', 'login/Alice'), 'alice');
    assert.equal(await id('update', 'users/alice'), undefined);
    assert.equal(await id('read', 'login/alice'), undefined);
    assert.deepEqual(backend.specialPaths, { unauthenticated: ['login', 'login/*'] });
  });
});
