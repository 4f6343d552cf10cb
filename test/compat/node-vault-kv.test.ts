import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodeVault from 'node-vault';
import { startTestServer } from '../helpers/in-process-server.js';
import type { TestServer } from '../helpers/in-process-server.js';

interface VaultResponse {
  data?: Record<string, unknown>;
  auth?: { client_token: string; policies: string[] };
}

/** node-vault from npm, unchanged, against the server over a real socket. */
describe('node-vault compatibility: KV v2, tokens, policies', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv.stop();
  });

  it('writes, reads, lists (LIST method) and versions KV v2 secrets', async () => {
    const vault = nodeVault({ apiVersion: 'v1', endpoint: srv.url, token: srv.rootToken });
    await vault.write('secret/data/web/tls', { data: { cert: 'pem-1' } });
    await vault.write('secret/data/web/tls', { data: { cert: 'pem-2' } });
    await vault.write('secret/data/web/db', { data: { dsn: 'postgres://' } });
    const latest = (await vault.read('secret/data/web/tls')) as VaultResponse;
    assert.deepEqual((latest.data as { data: unknown }).data, { cert: 'pem-2' });
    const v1 = (await vault.read('secret/data/web/tls?version=1')) as VaultResponse;
    assert.deepEqual((v1.data as { data: unknown }).data, { cert: 'pem-1' });
    const listed = (await vault.list('secret/metadata/web')) as VaultResponse;
    assert.deepEqual(listed.data, { keys: ['db', 'tls'] });
    const meta = (await vault.read('secret/metadata/web/tls')) as VaultResponse;
    assert.equal((meta.data as { current_version: number }).current_version, 2);
    await vault.delete('secret/metadata/web/db');
    await assert.rejects(
      vault.read('secret/data/web/db'),
      (err: { response?: { statusCode: number } }) => err.response?.statusCode === 404,
    );
  });

  it('lists with ?list=1 when custom verbs are off', async () => {
    const vault = nodeVault({
      apiVersion: 'v1',
      endpoint: srv.url,
      token: srv.rootToken,
      noCustomHTTPVerbs: true,
    });
    await vault.write('secret/data/plain/a', { data: { x: '1' } });
    const listed = (await vault.list('secret/metadata/plain')) as VaultResponse;
    assert.deepEqual(listed.data, { keys: ['a'] });
  });

  it('creates, looks up and revokes tokens; writes and reads policies', async () => {
    const vault = nodeVault({ apiVersion: 'v1', endpoint: srv.url, token: srv.rootToken });
    await vault.addPolicy({
      name: 'web-read',
      rules: 'path "secret/data/web/*" {\n  capabilities = ["read"]\n}',
    });
    const policies = (await vault.policies()) as { policies: string[] };
    assert.ok(policies.policies.includes('web-read'));
    const policy = (await vault.getPolicy({ name: 'web-read' })) as { rules: string };
    assert.match(policy.rules, /secret\/data\/web/);

    const created = (await vault.tokenCreate({ policies: ['web-read'], ttl: '30m' })) as VaultResponse;
    const token = created.auth?.client_token ?? '';
    assert.deepEqual(created.auth?.policies, ['default', 'web-read']);
    // node-vault adopts the token of every auth response; go back to root for administration
    assert.equal(vault.token, token);
    vault.token = srv.rootToken;
    const looked = (await vault.tokenLookup({ token })) as VaultResponse;
    assert.deepEqual((looked.data as { policies: string[] }).policies, ['default', 'web-read']);

    const app = nodeVault({ apiVersion: 'v1', endpoint: srv.url, token });
    const secret = (await app.read('secret/data/web/tls')) as VaultResponse;
    assert.deepEqual((secret.data as { data: unknown }).data, { cert: 'pem-2' });
    await assert.rejects(app.write('secret/data/web/tls', { data: { cert: 'x' } }), /permission denied/);

    await vault.tokenRevoke({ token });
    await assert.rejects(vault.tokenLookup({ token }), /bad token/);
    await assert.rejects(app.read('secret/data/web/tls'), /permission denied/);
  });
});
