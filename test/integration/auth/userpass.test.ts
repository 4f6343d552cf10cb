import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../../helpers/in-process-server.js';
import type { TestServer } from '../../helpers/in-process-server.js';

const errorsOf = (body: Record<string, unknown>): string =>
  ((body.errors as string[] | undefined) ?? []).join(' | ');

describe('userpass over HTTP', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
    assert.equal((await srv.api('POST', 'sys/auth/userpass', { type: 'userpass' })).status, 204);
    const policy = 'path "secret/data/team/*" {\n  capabilities = ["read", "create", "update"]\n}\n';
    assert.equal((await srv.api('PUT', 'sys/policies/acl/team', { policy })).status, 204);
  });
  after(async () => {
    await srv.stop();
  });

  it('creates a user who logs in and gets a token with the user’s policies', async () => {
    assert.equal(
      (
        await srv.api('POST', 'auth/userpass/users/alice', {
          password: 'al1ce-pw',
          token_policies: 'team',
          token_ttl: '1h',
        })
      ).status,
      204,
    );
    const login = await srv.api('POST', 'auth/userpass/login/Alice', { password: 'al1ce-pw' }, '');
    assert.equal(login.status, 200, login.text);
    const auth = login.body.auth as {
      client_token: string;
      policies: string[];
      token_policies: string[];
      metadata: Record<string, string>;
      lease_duration: number;
    };
    assert.deepEqual(auth.policies, ['default', 'team']);
    assert.deepEqual(auth.metadata, { username: 'alice' });
    assert.equal(auth.lease_duration, 3600);
    assert.equal(login.body.data, null);

    assert.equal(
      (await srv.api('POST', 'secret/data/team/notes', { data: { n: 1 } }, auth.client_token)).status,
      200,
    );
    assert.equal((await srv.api('GET', 'secret/data/elsewhere', undefined, auth.client_token)).status, 403);
    const self = await srv.api('GET', 'auth/token/lookup-self', undefined, auth.client_token);
    const data = self.body.data as { display_name: string; path: string; meta: Record<string, string> };
    assert.equal(data.display_name, 'userpass-alice');
    assert.equal(data.path, 'auth/userpass/login/Alice');

    const users = await srv.api('LIST', 'auth/userpass/users');
    assert.deepEqual((users.body.data as { keys: string[] }).keys, ['alice']);
    const read = await srv.api('GET', 'auth/userpass/users/alice');
    assert.equal(read.text.includes('al1ce-pw'), false);
    assert.equal(read.text.includes('hash'), false);
  });

  it('refuses a wrong password and an unknown user with the same 400', async () => {
    await srv.api('POST', 'auth/userpass/users/bob', { password: 'b0b-pw' });
    const wrong = await srv.api('POST', 'auth/userpass/login/bob', { password: 'nope' }, '');
    const unknown = await srv.api('POST', 'auth/userpass/login/nobody', { password: 'nope' }, '');
    assert.equal(wrong.status, 400);
    assert.equal(unknown.status, 400);
    assert.equal(errorsOf(wrong.body), 'invalid username or password');
    assert.equal(errorsOf(unknown.body), 'invalid username or password');
    // a stale token on the login request is ignored
    assert.equal(
      (await srv.api('POST', 'auth/userpass/login/bob', { password: 'b0b-pw' }, 'hvs.stale')).status,
      200,
    );
  });

  it('needs a token with the right policy to manage users', async () => {
    const login = await srv.api('POST', 'auth/userpass/login/bob', { password: 'b0b-pw' }, '');
    const token = (login.body.auth as { client_token: string }).client_token;
    assert.equal(
      (await srv.api('POST', 'auth/userpass/users/mallory', { password: 'x' }, token)).status,
      403,
    );
    assert.equal((await srv.api('POST', 'auth/userpass/users/mallory', { password: 'x' }, '')).status, 403);
    assert.equal((await srv.api('GET', 'auth/userpass/users/mallory')).status, 404);
  });
});
