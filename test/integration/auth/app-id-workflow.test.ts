import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { startTestServer } from '../../helpers/in-process-server.js';
import type { TestServer } from '../../helpers/in-process-server.js';

const errorsOf = (body: Record<string, unknown>): string =>
  ((body.errors as string[] | undefined) ?? []).join(' | ');

/**
 * The legacy App-ID workflow: configuration management knows the app ID (mapped to policies), the
 * machine derives its user ID from its MAC address (mapped to the app ID with a CIDR block); a
 * login from inside the block works, and the same login is refused once the block excludes the
 * machine.
 */
describe('App-ID workflow over HTTP', () => {
  let srv: TestServer;
  const appId = randomUUID();
  const userId = createHash('sha1').update('02:42:ac:11:00:02').digest('hex');

  before(async () => {
    srv = await startTestServer();
    assert.equal((await srv.api('POST', 'sys/auth/app-id', { type: 'app-id' })).status, 204);
    const policy = 'path "secret/data/billing/*" {\n  capabilities = ["read"]\n}\n';
    assert.equal((await srv.api('PUT', 'sys/policies/acl/billing', { policy })).status, 204);
    assert.equal((await srv.api('POST', 'secret/data/billing/db', { data: { password: 'pw' } })).status, 200);
  });
  after(async () => {
    await srv.stop();
  });

  it('maps the ids, logs in from inside the CIDR block, and is refused from outside it', async () => {
    assert.equal(
      (
        await srv.api('POST', `auth/app-id/map/app-id/${appId}`, {
          value: 'billing',
          display_name: 'billing-app',
        })
      ).status,
      204,
    );
    assert.equal(
      (
        await srv.api('POST', `auth/app-id/map/user-id/${userId}`, {
          value: appId,
          cidr_block: '127.0.0.0/8',
        })
      ).status,
      204,
    );

    const login = await srv.api('POST', 'auth/app-id/login', { app_id: appId, user_id: userId }, '');
    assert.equal(login.status, 200, login.text);
    const auth = login.body.auth as {
      client_token: string;
      policies: string[];
      metadata: Record<string, string>;
      renewable: boolean;
    };
    assert.deepEqual(auth.policies, ['billing', 'default']);
    assert.equal(auth.renewable, true);
    assert.equal(auth.metadata['user-id'], `sha1:${createHash('sha1').update(userId).digest('hex')}`);
    assert.equal(auth.metadata['app-id'], `sha1:${createHash('sha1').update(appId).digest('hex')}`);
    assert.equal((await srv.api('GET', 'secret/data/billing/db', undefined, auth.client_token)).status, 200);
    assert.equal((await srv.api('GET', 'sys/policies/acl', undefined, auth.client_token)).status, 403);
    const self = await srv.api('GET', 'auth/token/lookup-self', undefined, auth.client_token);
    assert.equal((self.body.data as { display_name: string }).display_name, 'app-id-billing-app');

    // the app ID may also come in the path
    assert.equal((await srv.api('POST', `auth/app-id/login/${appId}`, { user_id: userId }, '')).status, 200);

    // the operator narrows the user mapping to a network the machine is not in
    assert.equal(
      (await srv.api('POST', `auth/app-id/map/user-id/${userId}`, { value: appId, cidr_block: '10.0.0.0/8' }))
        .status,
      204,
    );
    const refused = await srv.api('POST', 'auth/app-id/login', { app_id: appId, user_id: userId }, '');
    assert.equal(refused.status, 400);
    assert.equal(errorsOf(refused.body), 'unauthorized source address');
  });

  it('refuses bad ids with Vault’s messages', async () => {
    await srv.api('POST', `auth/app-id/map/user-id/${userId}`, { value: appId, cidr_block: '127.0.0.0/8' });
    const missing = await srv.api('POST', 'auth/app-id/login', { app_id: appId }, '');
    assert.equal(missing.status, 400);
    assert.equal(errorsOf(missing.body), "missing 'app_id' or 'user_id'");
    for (const body of [
      { app_id: appId, user_id: 'ff'.repeat(20) },
      { app_id: randomUUID(), user_id: userId },
    ]) {
      const res = await srv.api('POST', 'auth/app-id/login', body, '');
      assert.equal(res.status, 400);
      assert.equal(errorsOf(res.body), 'invalid user ID or app ID');
    }
  });

  it('lists only HMACs of the ids', async () => {
    const list = await srv.api('LIST', 'auth/app-id/map/user-id');
    assert.equal(list.status, 200);
    assert.equal(list.text.includes(userId), false);
  });
});
