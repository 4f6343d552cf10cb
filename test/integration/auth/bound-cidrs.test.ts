import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../../helpers/in-process-server.js';
import type { TestServer } from '../../helpers/in-process-server.js';

/** token_bound_cidrs: a token only works from the networks it is bound to, checked on every use. */
describe('token bound CIDRs are enforced on every use', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
    await srv.api('POST', 'sys/auth/approle', { type: 'approle' });
  });
  after(async () => {
    await srv.stop();
  });

  async function login(role: string, cidr: string): Promise<string> {
    assert.equal(
      (await srv.api('POST', `auth/approle/role/${role}`, { token_bound_cidrs: cidr })).status,
      204,
    );
    const roleId = (
      (await srv.api('GET', `auth/approle/role/${role}/role-id`)).body.data as { role_id: string }
    ).role_id;
    const secretId = (
      (await srv.api('POST', `auth/approle/role/${role}/secret-id`, {})).body.data as { secret_id: string }
    ).secret_id;
    const res = await srv.api('POST', 'auth/approle/login', { role_id: roleId, secret_id: secretId }, '');
    assert.equal(res.status, 200, res.text);
    return (res.body.auth as { client_token: string }).client_token;
  }

  it('accepts a token used from inside its CIDRs and refuses one used from outside', async () => {
    const inside = await login('inside', '127.0.0.0/8');
    assert.equal((await srv.api('GET', 'auth/token/lookup-self', undefined, inside)).status, 200);
    const outside = await login('outside', '10.0.0.0/8');
    const used = await srv.api('GET', 'auth/token/lookup-self', undefined, outside);
    assert.equal(used.status, 403);
    assert.match(JSON.stringify(used.body), /permission denied/);
  });
});
