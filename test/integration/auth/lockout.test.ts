import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../../helpers/in-process-server.js';
import type { TestServer } from '../../helpers/in-process-server.js';

interface Locked {
  total: number;
  by_namespace: { mount_accessors: { mount_accessor: string; alias_identifiers: string[] }[] }[];
}

/** Brute force: repeated wrong passwords lock the user out, even with the right one; an operator unlocks. */
describe('user lockout for userpass', () => {
  let srv: TestServer;
  let accessor: string;
  before(async () => {
    srv = await startTestServer();
    await srv.api('POST', 'sys/auth/userpass', {
      type: 'userpass',
      config: { user_lockout_config: { lockout_threshold: 3, lockout_duration: '10m' } },
    });
    accessor = ((await srv.api('GET', 'sys/auth')).body.data as Record<string, { accessor: string }>)[
      'userpass/'
    ]!.accessor;
    await srv.api('POST', 'auth/userpass/users/mallory', { password: 'the-right-password' });
    await srv.api('POST', 'auth/userpass/users/alice', { password: 'alice-password' });
  });
  after(async () => {
    await srv.stop();
  });

  it('locks after the threshold, refuses even the right password, lists and unlocks', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await srv.api('POST', 'auth/userpass/login/mallory', { password: `guess-${i}` }, '');
      assert.equal(r.status, 400);
      assert.match(r.text, /invalid username or password/);
    }
    const locked = await srv.api(
      'POST',
      'auth/userpass/login/mallory',
      { password: 'the-right-password' },
      '',
    );
    assert.equal(locked.status, 403, 'a locked user is refused even with the right password');
    assert.equal(
      (await srv.api('POST', 'auth/userpass/login/alice', { password: 'alice-password' }, '')).status,
      200,
      'other users are unaffected',
    );

    const list = await srv.api('GET', 'sys/locked-users');
    assert.equal(list.status, 200);
    const data = list.body.data as Locked;
    assert.equal(data.total, 1);
    assert.deepEqual(data.by_namespace[0]?.mount_accessors, [
      { mount_accessor: accessor, counts: 1, alias_identifiers: ['mallory'] },
    ]);

    const noSudo = await srv.api('POST', 'auth/token/create', { policies: ['default'] });
    const plain = (noSudo.body.auth as { client_token: string }).client_token;
    assert.equal(
      (await srv.api('GET', 'sys/locked-users', undefined, plain)).status,
      403,
      'listing needs sudo',
    );

    assert.equal((await srv.api('POST', `sys/locked-users/${accessor}/unlock/mallory`)).status, 204);
    assert.equal(
      (await srv.api('POST', 'auth/userpass/login/mallory', { password: 'the-right-password' }, '')).status,
      200,
    );
    assert.equal(((await srv.api('GET', 'sys/locked-users')).body.data as Locked).total, 0);
    assert.equal((await srv.api('POST', 'sys/locked-users/auth_nope_1234/unlock/x')).status, 400);
  });
});
