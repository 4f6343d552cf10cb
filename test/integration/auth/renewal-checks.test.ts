import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../../helpers/in-process-server.js';
import type { TestServer } from '../../helpers/in-process-server.js';

/** Login tokens are renewed only while what granted them still stands, as Vault's auth methods check. */
describe('renewing login tokens asks the auth method', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
    await srv.api('POST', 'sys/auth/userpass', { type: 'userpass' });
    await srv.api('POST', 'sys/auth/approle', { type: 'approle' });
  });
  after(async () => {
    await srv.stop();
  });

  const renewSelf = (token: string): Promise<{ status: number; text: string }> =>
    srv.api('POST', 'auth/token/renew-self', { increment: '10m' }, token);

  it('userpass: renews while the user and its policies are unchanged; refuses after a policy change or deletion', async () => {
    await srv.api('POST', 'auth/userpass/users/carol', {
      password: 'carol-password-1',
      token_policies: 'reader',
      token_ttl: '5m',
    });
    const login = async (): Promise<string> =>
      (
        (await srv.api('POST', 'auth/userpass/login/carol', { password: 'carol-password-1' }, '')).body
          .auth as { client_token: string }
      ).client_token;
    const t1 = await login();
    assert.equal((await renewSelf(t1)).status, 200);
    await srv.api('POST', 'auth/userpass/users/carol/policies', { token_policies: 'admin' });
    const changed = await renewSelf(t1);
    assert.equal(changed.status, 400);
    assert.match(changed.text, /policies have changed/);
    const t2 = await login();
    await srv.api('DELETE', 'auth/userpass/users/carol');
    const gone = await renewSelf(t2);
    assert.equal(gone.status, 400);
    assert.match(gone.text, /user no longer exists/);
  });

  it('approle: refuses renewal once the role is deleted', async () => {
    await srv.api('POST', 'auth/approle/role/batch', { token_policies: 'reader', token_ttl: '5m' });
    const roleId = (
      (await srv.api('GET', 'auth/approle/role/batch/role-id')).body.data as { role_id: string }
    ).role_id;
    const secretId = (
      (await srv.api('POST', 'auth/approle/role/batch/secret-id', {})).body.data as { secret_id: string }
    ).secret_id;
    const token = (
      (await srv.api('POST', 'auth/approle/login', { role_id: roleId, secret_id: secretId }, '')).body
        .auth as { client_token: string }
    ).client_token;
    assert.equal((await renewSelf(token)).status, 200);
    await srv.api('DELETE', 'auth/approle/role/batch');
    const refused = await renewSelf(token);
    assert.equal(refused.status, 400);
    assert.match(refused.text, /does not exist during renewal/);
  });
});
