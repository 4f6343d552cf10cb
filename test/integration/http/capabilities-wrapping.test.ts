import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../../helpers/in-process-server.js';
import type { TestServer } from '../../helpers/in-process-server.js';

describe('sys/capabilities*, response wrapping of any request, rewrap', () => {
  let srv: TestServer;
  let token = '';
  let accessor = '';
  before(async () => {
    srv = await startTestServer();
    await srv.api('PUT', 'sys/policies/acl/app', {
      policy:
        'path "secret/data/app/*" {\n  capabilities = ["read", "update"]\n}\npath "secret/data/app/locked" {\n  capabilities = ["deny"]\n}',
    });
    const t = await srv.api('POST', 'auth/token/create', { policies: ['app'] });
    ({ client_token: token, accessor } = t.body.auth as { client_token: string; accessor: string });
  });
  after(async () => {
    await srv.stop();
  });

  it('reports capabilities for a token, for the caller and by accessor, also at the top level', async () => {
    const paths = ['secret/data/app/db', 'secret/data/app/locked', 'secret/data/other'];
    const expected = {
      'secret/data/app/db': ['read', 'update'],
      'secret/data/app/locked': ['deny'],
      'secret/data/other': ['deny'],
    };
    const byToken = await srv.api('POST', 'sys/capabilities', { token, paths });
    assert.deepEqual(byToken.body.data, expected);
    assert.deepEqual(byToken.body['secret/data/app/db'], ['read', 'update']);
    const self = await srv.api('POST', 'sys/capabilities-self', { paths }, token);
    assert.deepEqual(self.body.data, expected);
    const byAccessor = await srv.api('POST', 'sys/capabilities-accessor', { accessor, paths });
    assert.deepEqual(byAccessor.body.data, expected);
    const root = await srv.api('POST', 'sys/capabilities-self', { paths: ['anything'] });
    assert.deepEqual((root.body.data as { capabilities: string[] }).capabilities, ['root']);
    assert.equal((await srv.api('POST', 'sys/capabilities', { token: 'hvs.nope', paths })).status, 400);
    assert.equal((await srv.api('POST', 'sys/capabilities-self', {})).status, 400);
  });

  it('wraps any response with X-Vault-Wrap-TTL; rewrap moves it to a new token', async () => {
    await srv.api('POST', 'secret/data/app/db', { data: { password: 'wrapped-pass' } });
    const wrapped = await srv.api('GET', 'secret/data/app/db', undefined, undefined, {
      'X-Vault-Wrap-TTL': '2m',
    });
    assert.equal(wrapped.status, 200);
    assert.equal(wrapped.body.data, null);
    assert.ok(!wrapped.text.includes('wrapped-pass'));
    const first = wrapped.body.wrap_info as { token: string; ttl: number; creation_path: string };
    assert.equal(first.ttl, 120);
    assert.equal(first.creation_path, 'secret/data/app/db');
    const rewrapped = await srv.api('POST', 'sys/wrapping/rewrap', { token: first.token });
    const second = rewrapped.body.wrap_info as { token: string; creation_path: string };
    assert.notEqual(second.token, first.token);
    assert.equal(second.creation_path, 'secret/data/app/db');
    assert.equal(
      (await srv.api('POST', 'sys/wrapping/unwrap', { token: first.token })).status,
      400,
      'the old token is spent',
    );
    const unwrapped = await srv.api('POST', 'sys/wrapping/unwrap', undefined, second.token);
    assert.deepEqual((unwrapped.body.data as { data: unknown }).data, { password: 'wrapped-pass' });
    // a token issued by a wrapped create: auth is inside, wrapped_accessor outside
    const wrappedToken = await srv.api('POST', 'auth/token/create', { policies: ['app'] }, undefined, {
      'X-Vault-Wrap-TTL': '60',
    });
    const info = wrappedToken.body.wrap_info as { token: string; wrapped_accessor: string };
    const inner = await srv.api('POST', 'sys/wrapping/unwrap', undefined, info.token);
    assert.equal((inner.body.auth as { accessor: string }).accessor, info.wrapped_accessor);
  });
});
