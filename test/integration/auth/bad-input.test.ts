import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer } from '../../helpers/in-process-server.js';
import type { TestServer } from '../../helpers/in-process-server.js';

const errorsOf = (body: Record<string, unknown>): string =>
  ((body.errors as string[] | undefined) ?? []).join(' | ');

/**
 * Brute force and malformed input against the auth methods: every attempt gets a clear 400 and
 * changes nothing. (Each identity stays under the lockout threshold; lockout is the pipeline's.)
 */
describe('auth methods: bad input and guessing', () => {
  let srv: TestServer;
  let roleId = '';
  before(async () => {
    srv = await startTestServer();
    for (const type of ['userpass', 'approle', 'app-id']) {
      assert.equal((await srv.api('POST', `sys/auth/${type}`, { type })).status, 204);
    }
    await srv.api('POST', 'auth/userpass/users/carol', { password: 'carol-pw' });
    await srv.api('POST', 'auth/approle/role/svc', { token_policies: 'default' });
    roleId = ((await srv.api('GET', 'auth/approle/role/svc/role-id')).body.data as { role_id: string })
      .role_id;
  });
  after(async () => {
    await srv.stop();
  });

  const expect400 = async (
    method: string,
    path: string,
    body: unknown,
    pattern: RegExp,
    token?: string,
  ): Promise<void> => {
    const res = await srv.api(method, path, body, token);
    assert.equal(res.status, 400, `${method} ${path}: ${res.text}`);
    assert.match(errorsOf(res.body), pattern, `${method} ${path}`);
  };

  it('refuses guessed passwords, users, roles and secret IDs', async () => {
    for (const guess of ['password', 'carol', 'Carol-pw']) {
      await expect400(
        'POST',
        'auth/userpass/login/carol',
        { password: guess },
        /^invalid username or password$/,
        '',
      );
    }
    await expect400(
      'POST',
      'auth/userpass/login/root',
      { password: 'root' },
      /^invalid username or password$/,
      '',
    );
    await expect400('POST', 'auth/userpass/login/carol', {}, /missing password/, '');
    await expect400(
      'POST',
      'auth/approle/login',
      { role_id: 'guessed-role', secret_id: 'guessed' },
      /^invalid role or secret ID$/,
      '',
    );
    for (const guess of ['00000000-0000-0000-0000-000000000000', roleId]) {
      await expect400(
        'POST',
        'auth/approle/login',
        { role_id: roleId, secret_id: guess },
        /^invalid role or secret ID$/,
        '',
      );
    }
    await expect400('POST', 'auth/approle/login', { secret_id: 'x' }, /missing role_id/, '');
    await expect400(
      'POST',
      'auth/app-id/login',
      { app_id: 'a', user_id: 'b' },
      /^invalid user ID or app ID$/,
      '',
    );
    const noRole = await srv.api('POST', 'auth/approle/role/ghost/secret-id', {});
    assert.equal(noRole.status, 404);
    assert.match(errorsOf(noRole.body), /role "ghost" does not exist/);
  });

  it('refuses a secret ID once it has expired', async () => {
    await srv.api('POST', 'auth/approle/role/short', { secret_id_ttl: '1s' });
    const rid = ((await srv.api('GET', 'auth/approle/role/short/role-id')).body.data as { role_id: string })
      .role_id;
    const sid = (
      (await srv.api('POST', 'auth/approle/role/short/secret-id', {})).body.data as { secret_id: string }
    ).secret_id;
    await sleep(1200);
    await expect400(
      'POST',
      'auth/approle/login',
      { role_id: rid, secret_id: sid },
      /^invalid role or secret ID$/,
      '',
    );
  });

  it('refuses malformed fields with a message naming the field, and stores nothing', async () => {
    await expect400('POST', 'auth/userpass/users/dan', { password: 'x', token_ttl: 'a while' }, /token_ttl/);
    await expect400(
      'POST',
      'auth/userpass/users/dan',
      { password: 'x', token_num_uses: 'many' },
      /token_num_uses/,
    );
    await expect400(
      'POST',
      'auth/userpass/users/dan',
      { password: 'x', token_bound_cidrs: '10.0.0.0/40' },
      /token_bound_cidrs/,
    );
    await expect400('POST', 'auth/userpass/users/dan', { token_policies: 'x' }, /missing password/);
    assert.equal((await srv.api('GET', 'auth/userpass/users/dan')).status, 404);
    await expect400('POST', 'auth/approle/role/bad', { secret_id_ttl: [1] }, /secret_id_ttl/);
    await expect400('POST', 'auth/approle/role/bad', { bind_secret_id: 'sometimes' }, /bind_secret_id/);
    await expect400('POST', 'auth/approle/role/bad', { bind_secret_id: false }, /at least one constraint/);
    await expect400(
      'POST',
      'auth/approle/role/bad',
      { secret_id_bound_cidrs: 'ten.0.0.0/8' },
      /secret_id_bound_cidrs/,
    );
    assert.equal((await srv.api('GET', 'auth/approle/role/bad')).status, 404);
    await expect400('POST', 'auth/approle/role/svc/secret-id', { metadata: '{"a":' }, /metadata/);
    await expect400('POST', 'auth/approle/role/svc/secret-id', { num_uses: 'once' }, /num_uses/);
    await expect400(
      'POST',
      'auth/app-id/map/user-id/u1',
      { value: 'a', cidr_block: 'everywhere' },
      /cidr_block/,
    );
    await expect400('POST', 'auth/approle/login', { role_id: { $ne: '' }, secret_id: 'x' }, /role_id/, '');
  });

  it('refuses names with ".." and malformed bodies', async () => {
    await expect400('POST', 'auth/approle/role/a..b', {}, /invalid role_name/);
    await expect400('POST', 'auth/userpass/users/x..y', { password: 'x' }, /invalid username/);
    const traversal = await srv.api('POST', 'auth/approle/role/../../sys/policies/acl/x', {});
    assert.ok(traversal.status === 400 || traversal.status === 404, `traversal answered ${traversal.status}`);
    const garbage = await srv.api('POST', 'auth/approle/login', '{"role_id": ', '');
    assert.equal(garbage.status, 400);
    const roles = await srv.api('LIST', 'auth/approle/role');
    assert.deepEqual((roles.body.data as { keys: string[] }).keys, ['short', 'svc']);
  });
});
