import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../../helpers/in-process-server.js';
import type { TestServer } from '../../helpers/in-process-server.js';

interface AuthBlock {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies: string[];
  metadata: Record<string, string>;
  renewable: boolean;
  lease_duration: number;
}

const errorsOf = (body: Record<string, unknown>): string =>
  ((body.errors as string[] | undefined) ?? []).join(' | ');

/**
 * The AppRole workflow as an operator and a machine run it: a role with a policy, its role ID, a
 * single-use secret ID, a login whose token reads what the policy allows (and nothing else), a
 * refused second login; then the recommended delivery of a secret ID response-wrapped, unwrapped
 * exactly once.
 */
describe('AppRole workflow over HTTP', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
    assert.equal((await srv.api('POST', 'sys/auth/approle', { type: 'approle' })).status, 204);
    const policy = 'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n';
    assert.equal((await srv.api('PUT', 'sys/policies/acl/app-read', { policy })).status, 204);
    assert.equal(
      (await srv.api('POST', 'secret/data/app/config', { data: { db_password: 'hunter2' } })).status,
      200,
    );
    assert.equal((await srv.api('POST', 'secret/data/other/config', { data: { x: 'y' } })).status, 200);
  });
  after(async () => {
    await srv.stop();
  });

  it('enables approle as an auth method', async () => {
    const auth = await srv.api('GET', 'sys/auth');
    assert.equal((auth.body['approle/'] as { type: string }).type, 'approle');
  });

  it('role → role-id → single-use secret-id → login → token reads what the policy allows; second login refused', async () => {
    assert.equal(
      (
        await srv.api('POST', 'auth/approle/role/app', {
          token_policies: 'app-read',
          secret_id_num_uses: 1,
          token_ttl: '20m',
        })
      ).status,
      204,
    );
    const role = await srv.api('GET', 'auth/approle/role/app');
    assert.equal(role.status, 200);
    assert.equal((role.body.data as { secret_id_num_uses: number }).secret_id_num_uses, 1);

    const roleIdRes = await srv.api('GET', 'auth/approle/role/app/role-id');
    assert.equal(roleIdRes.status, 200);
    const roleId = (roleIdRes.body.data as { role_id: string }).role_id;

    const sidRes = await srv.api('POST', 'auth/approle/role/app/secret-id', {
      metadata: '{"host":"worker-1"}',
    });
    assert.equal(sidRes.status, 200);
    const sid = sidRes.body.data as {
      secret_id: string;
      secret_id_accessor: string;
      secret_id_num_uses: number;
      secret_id_ttl: number;
    };
    assert.equal(sid.secret_id_num_uses, 1);
    assert.equal(typeof sid.secret_id_accessor, 'string');

    // the login path needs no token, and a stale one is ignored
    const login = await srv.api(
      'POST',
      'auth/approle/login',
      { role_id: roleId, secret_id: sid.secret_id },
      'stale-token',
    );
    assert.equal(login.status, 200, login.text);
    const auth = login.body.auth as AuthBlock;
    assert.deepEqual(auth.policies, ['app-read', 'default']);
    assert.deepEqual(auth.metadata, { host: 'worker-1', role_name: 'app' });
    assert.equal(auth.renewable, true);
    assert.equal(auth.lease_duration, 1200);

    const allowed = await srv.api('GET', 'secret/data/app/config', undefined, auth.client_token);
    assert.equal(allowed.status, 200);
    assert.deepEqual((allowed.body.data as { data: unknown }).data, { db_password: 'hunter2' });
    assert.equal(
      (await srv.api('GET', 'secret/data/other/config', undefined, auth.client_token)).status,
      403,
    );
    assert.equal(
      (await srv.api('POST', 'secret/data/app/config', { data: { a: 1 } }, auth.client_token)).status,
      403,
    );

    const self = await srv.api('GET', 'auth/token/lookup-self', undefined, auth.client_token);
    const selfData = self.body.data as { display_name: string; path: string; meta: Record<string, string> };
    assert.equal(selfData.display_name, 'approle');
    assert.equal(selfData.path, 'auth/approle/login');
    assert.equal(selfData.meta.role_name, 'app');

    const again = await srv.api(
      'POST',
      'auth/approle/login',
      { role_id: roleId, secret_id: sid.secret_id },
      '',
    );
    assert.equal(again.status, 400);
    assert.equal(errorsOf(again.body), 'invalid role or secret ID');
  });

  it('delivers a secret ID response-wrapped; it unwraps once and logs in', async () => {
    await srv.api('POST', 'auth/approle/role/wrapped', { token_policies: 'app-read' });
    const roleId = (
      (await srv.api('GET', 'auth/approle/role/wrapped/role-id')).body.data as { role_id: string }
    ).role_id;

    const wrapped = await srv.api('POST', 'auth/approle/role/wrapped/secret-id', {}, undefined, {
      'X-Vault-Wrap-TTL': '60',
    });
    assert.equal(wrapped.status, 200, wrapped.text);
    assert.equal(wrapped.body.data, null, 'the secret ID itself is not in the response');
    const info = wrapped.body.wrap_info as { token: string; ttl: number; creation_path: string };
    assert.equal(info.ttl, 60);
    assert.equal(info.creation_path, 'auth/approle/role/wrapped/secret-id');
    assert.equal(wrapped.text.includes('secret_id'), false);

    // the machine unwraps with the wrapping token itself
    const unwrapped = await srv.api('POST', 'sys/wrapping/unwrap', undefined, info.token);
    assert.equal(unwrapped.status, 200, unwrapped.text);
    const secretId = (unwrapped.body.data as { secret_id: string }).secret_id;
    assert.match(secretId, /^[0-9a-f-]{36}$/);
    const accessor = (unwrapped.body.data as { secret_id_accessor: string }).secret_id_accessor;
    assert.equal(
      (info as { wrapped_accessor?: string }).wrapped_accessor,
      accessor,
      'wrap_info names the wrapped secret ID accessor, as Vault does',
    );

    const second = await srv.api('POST', 'sys/wrapping/unwrap', undefined, info.token);
    assert.equal(second.status, 400, `second unwrap answered ${second.status}`);

    const login = await srv.api('POST', 'auth/approle/login', { role_id: roleId, secret_id: secretId }, '');
    assert.equal(login.status, 200, login.text);
    const token = (login.body.auth as AuthBlock).client_token;
    assert.equal((await srv.api('GET', 'secret/data/app/config', undefined, token)).status, 200);
  });

  it('manages secret IDs by accessor over HTTP (LIST verb included)', async () => {
    await srv.api('POST', 'auth/approle/role/ops', {});
    const sid = (await srv.api('POST', 'auth/approle/role/ops/secret-id', {})).body.data as {
      secret_id: string;
      secret_id_accessor: string;
    };
    const list = await srv.api('LIST', 'auth/approle/role/ops/secret-id');
    assert.equal(list.status, 200, list.text);
    assert.deepEqual((list.body.data as { keys: string[] }).keys, [sid.secret_id_accessor]);
    const lookup = await srv.api('POST', 'auth/approle/role/ops/secret-id-accessor/lookup', {
      secret_id_accessor: sid.secret_id_accessor,
    });
    assert.equal(lookup.status, 200);
    assert.equal(lookup.text.includes(sid.secret_id), false);
    assert.equal(
      (await srv.api('POST', 'auth/approle/role/ops/secret-id/destroy', { secret_id: sid.secret_id })).status,
      204,
    );
    assert.equal((await srv.api('LIST', 'auth/approle/role/ops/secret-id')).status, 404);
    const roles = await srv.api('GET', 'auth/approle/role?list=true');
    assert.deepEqual((roles.body.data as { keys: string[] }).keys, ['app', 'ops', 'wrapped']);
  });
});
