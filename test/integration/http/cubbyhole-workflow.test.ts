import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../../helpers/in-process-server.js';
import type { TestServer } from '../../helpers/in-process-server.js';

/**
 * The classic App-ID + cubbyhole workflow, step by step as an operator runs it: a generic mount
 * holds database credentials; automation mints a temporary token with four uses that can only
 * reach its cubbyhole, stores an application id there; the application uses the token; the next
 * use is refused, and the token and its cubbyhole are gone.
 */
describe('cubbyhole workflow with a limited-use token', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv.stop();
  });

  it('runs end to end', async () => {
    // 1. a generic secrets mount called config/ holds database credentials
    assert.equal(
      (await srv.api('POST', 'sys/mounts/config', { type: 'generic', description: 'app config' })).status,
      204,
    );
    const mounts = await srv.api('GET', 'sys/mounts');
    assert.equal((mounts.body['config/'] as { type: string }).type, 'kv');
    assert.equal(
      (await srv.api('PUT', 'config/db', { username: 'app', password: 's3cr3t-db-pass' })).status,
      204,
    );

    // 2. a policy that allows only the cubbyhole
    const policy =
      'path "cubbyhole/*" {\n  capabilities = ["create", "read", "update", "delete", "list"]\n}\n';
    assert.equal((await srv.api('PUT', 'sys/policies/acl/cubbyhole-only', { policy })).status, 204);

    // 3. automation creates a temporary token with num_uses=4 and only that policy
    const created = await srv.api('POST', 'auth/token/create', {
      policies: ['cubbyhole-only'],
      num_uses: 4,
      ttl: '10m',
    });
    assert.equal(created.status, 200);
    const auth = created.body.auth as { client_token: string; policies: string[]; num_uses: number };
    assert.deepEqual(auth.policies, ['cubbyhole-only', 'default']);
    assert.equal(auth.num_uses, 4);
    const temp = auth.client_token;

    // use 1: write the application id into the token's cubbyhole
    assert.equal((await srv.api('PUT', 'cubbyhole/app-id', { app_id: 'billing-7f3a' }, temp)).status, 204);
    // use 2: read it back
    const readBack = await srv.api('GET', 'cubbyhole/app-id', undefined, temp);
    assert.equal(readBack.status, 200);
    assert.deepEqual(readBack.body.data, { app_id: 'billing-7f3a' });
    // the root token cannot see another token's cubbyhole
    assert.equal((await srv.api('GET', 'cubbyhole/app-id')).status, 404);

    // the token cannot read the database credentials (a denied request uses nothing, as in Vault)
    assert.equal((await srv.api('GET', 'config/db', undefined, temp)).status, 403);
    // use 3: the application authenticates with the token (lookup-self through the default policy)
    const self = await srv.api('GET', 'auth/token/lookup-self', undefined, temp);
    assert.equal(self.status, 200);
    assert.equal((self.body.data as { num_uses: number }).num_uses, 1, 'one use left after this one');
    // use 4, the last: the application reads the application id
    const appRead = await srv.api('GET', 'cubbyhole/app-id', undefined, temp);
    assert.equal(appRead.status, 200);
    assert.deepEqual(appRead.body.data, { app_id: 'billing-7f3a' });

    // the next use is refused: the token is gone
    const refused = await srv.api('GET', 'cubbyhole/app-id', undefined, temp);
    assert.equal(refused.status, 403);
    assert.match(JSON.stringify(refused.body), /invalid token/);
    const lookup = await srv.api('POST', 'auth/token/lookup', { token: temp });
    assert.equal(lookup.status, 403);

    // and so is its cubbyhole: nothing is left in the cubbyhole mount's storage
    const cubby = srv.server.core.unsealed.router.byPrefix('cubbyhole/');
    assert.ok(cubby !== undefined);
    assert.deepEqual(await cubby.storage.list(''), []);
  });
});
