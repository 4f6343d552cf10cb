import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../../helpers/in-process-server.js';
import type { TestServer } from '../../helpers/in-process-server.js';
import { type ApiResponse, vaultApi } from '../../helpers/vault-api.js';

/** GET `url` exactly as written (no normalisation of `..`), with the token. */
function rawGet(url: string, token: string): Promise<ApiResponse> {
  const u = new URL(url);
  return vaultApi(u.origin, 'GET', url.slice(u.origin.length), undefined, { token });
}

const errorsOf = (body: Record<string, unknown>): string =>
  ((body.errors as string[] | undefined) ?? []).join(' | ');

describe('request pipeline: bad input gets a clear 4xx and changes nothing', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv.stop();
  });

  it('a malformed policy names the line, and no policy is stored', async () => {
    const policy =
      'path "secret/data/a" {\n  capabilities = ["read"]\n}\n\npath "secret/data/b" {\n  capabilities = ["reed"]\n}\n';
    const res = await srv.api('PUT', 'sys/policies/acl/broken', { policy });
    assert.equal(res.status, 400);
    assert.match(errorsOf(res.body), /line 6/);
    assert.match(errorsOf(res.body), /reed/);
    const syntax = await srv.api('PUT', 'sys/policies/acl/broken', {
      policy: 'path "x" {\n capabilities = [\n}',
    });
    assert.equal(syntax.status, 400);
    assert.match(errorsOf(syntax.body), /line 3/);
    assert.equal((await srv.api('GET', 'sys/policies/acl/broken')).status, 404);
    const root = await srv.api('PUT', 'sys/policies/acl/root', {
      policy: 'path "x" { capabilities = ["read"] }',
    });
    assert.equal(root.status, 400);
  });

  it('check-and-set mismatches are refused and keep the current version', async () => {
    assert.equal((await srv.api('POST', 'secret/data/cas', { data: { v: 1 } })).status, 200);
    const mismatch = await srv.api('POST', 'secret/data/cas', { data: { v: 2 }, options: { cas: 0 } });
    assert.equal(mismatch.status, 400);
    assert.match(errorsOf(mismatch.body), /check-and-set parameter did not match the current version/);
    const read = await srv.api('GET', 'secret/data/cas');
    assert.deepEqual((read.body.data as { data: unknown }).data, { v: 1 });
    assert.equal((read.body.data as { metadata: { version: number } }).metadata.version, 1);
    const noData = await srv.api('POST', 'secret/data/cas', { options: { cas: 1 } });
    assert.equal(noData.status, 400);
    assert.match(errorsOf(noData.body), /no data provided/);
  });

  it('unknown mounts and unsupported paths are 404', async () => {
    const res = await srv.api('GET', 'nowhere/secret');
    assert.equal(res.status, 404);
    assert.match(errorsOf(res.body), /no handler for route "nowhere\/secret"/);
    const v1 = await srv.api('GET', 'secret/plain');
    assert.equal(v1.status, 404);
    assert.match(JSON.stringify(v1.body.warnings), /Invalid path for a versioned K\/V secrets engine/);
  });

  it('paths with .. or . segments are refused', async () => {
    // sent raw: fetch would normalise the dot segments away before they reach the server
    for (const p of ['secret/data/../../sys/mounts', 'secret/data/a/%2e%2e/b', 'cubbyhole/./x']) {
      const res = await rawGet(`${srv.url}/v1/${p}`, srv.rootToken);
      assert.equal(res.status, 400, `${p}: ${res.text}`);
      assert.match(res.text, /\.\./);
    }
  });

  it('oversized values are 413 and store nothing', async () => {
    const res = await srv.api('POST', 'secret/data/big', { data: { blob: 'x'.repeat(33 * 1024 * 1024) } });
    assert.equal(res.status, 413);
    assert.equal((await srv.api('GET', 'secret/data/big')).status, 404);
  });

  it('mount mistakes: conflicts 409, reserved paths 403, unknown types and bad options 400', async () => {
    assert.equal((await srv.api('POST', 'sys/mounts/app', { type: 'kv' })).status, 204);
    const conflict = await srv.api('POST', 'sys/mounts/app/nested', { type: 'kv' });
    assert.equal(conflict.status, 409);
    assert.match(errorsOf(conflict.body), /path is already in use at app\//);
    assert.equal((await srv.api('POST', 'sys/mounts/sys/evil', { type: 'kv' })).status, 403);
    const unknown = await srv.api('POST', 'sys/mounts/x', { type: 'nosuchengine' });
    assert.equal(unknown.status, 400);
    assert.match(errorsOf(unknown.body), /nosuchengine/);
    const noType = await srv.api('POST', 'sys/mounts/y', {});
    assert.equal(noType.status, 400);
    const badVersion = await srv.api('POST', 'sys/mounts/z', { type: 'kv', options: { version: '7' } });
    assert.equal(badVersion.status, 400);
    const badTtl = await srv.api('POST', 'sys/mounts/w', {
      type: 'kv',
      config: { default_lease_ttl: 'forever' },
    });
    assert.equal(badTtl.status, 400);
    assert.match(errorsOf(badTtl.body), /invalid duration/);
    const mounts = await srv.api('GET', 'sys/mounts');
    assert.deepEqual(Object.keys(mounts.body.data as object).sort(), [
      'app/',
      'cubbyhole/',
      'secret/',
      'sys/',
    ]);
  });

  it('transport mistakes: bad list flag, PATCH without merge-patch, malformed JSON, bad wrap TTL', async () => {
    const list = await srv.api('GET', 'secret/metadata/?list=maybe');
    assert.equal(list.status, 400);
    const patch = await srv.api('PATCH', 'secret/data/cas', { data: { v: 3 } });
    assert.equal(patch.status, 415);
    const json = await srv.api('POST', 'secret/data/cas', '{"data":');
    assert.equal(json.status, 400);
    assert.match(errorsOf(json.body), /failed to parse JSON input/);
    const wrap = await srv.api('GET', 'secret/data/cas', undefined, undefined, { 'X-Vault-Wrap-TTL': '-5' });
    assert.equal(wrap.status, 400);
    const wrapText = await srv.api('GET', 'secret/data/cas', undefined, undefined, {
      'X-Vault-Wrap-TTL': 'soon',
    });
    assert.equal(wrapText.status, 400);
  });

  it('token mistakes: bad or missing tokens 403, non-subset policies 400, unknown leases 400', async () => {
    const none = await srv.api('GET', 'secret/data/cas', undefined, '');
    assert.equal(none.status, 403);
    const bad = await srv.api('GET', 'secret/data/cas', undefined, 'hvs.bogus');
    assert.equal(bad.status, 403);
    assert.match(errorsOf(bad.body), /invalid token/);
    assert.equal(
      (
        await srv.api('PUT', 'sys/policies/acl/small', {
          policy: 'path "auth/token/create" { capabilities = ["update"] }',
        })
      ).status,
      204,
    );
    const child = await srv.api('POST', 'auth/token/create', { policies: ['small'] });
    const token = (child.body.auth as { client_token: string }).client_token;
    const escalate = await srv.api('POST', 'auth/token/create', { policies: ['small', 'admin'] }, token);
    assert.equal(escalate.status, 400);
    assert.match(errorsOf(escalate.body), /child policies must be subset of parent/);
    const customId = await srv.api('POST', 'auth/token/create', { id: 'mine' }, token);
    assert.equal(customId.status, 400);
    const lease = await srv.api('PUT', 'sys/leases/lookup', { lease_id: 'secret/nope/abc' });
    assert.equal(lease.status, 400);
    assert.match(errorsOf(lease.body), /invalid lease ID/);
    const renew = await srv.api('PUT', 'auth/token/renew', { token: 'hvs.nothere' });
    assert.equal(renew.status, 400);
    assert.match(errorsOf(renew.body), /token not found/);
  });

  it('wrapping mistakes: bad tokens 400, wrap without TTL 400, a token unwraps once', async () => {
    const bad = await srv.api('PUT', 'sys/wrapping/unwrap', { token: 'hvs.bogus' }, '');
    assert.equal(bad.status, 400);
    assert.match(errorsOf(bad.body), /wrapping token is not valid or does not exist/);
    const noTtl = await srv.api('PUT', 'sys/wrapping/wrap', { a: 'b' });
    assert.equal(noTtl.status, 400);
    assert.match(errorsOf(noTtl.body), /requires response wrapping/);
    const wrapped = await srv.api('PUT', 'sys/wrapping/wrap', { a: 'b' }, undefined, {
      'X-Vault-Wrap-TTL': '5m',
    });
    const info = wrapped.body.wrap_info as { token: string; ttl: number; creation_path: string };
    assert.equal(info.ttl, 300);
    assert.equal(info.creation_path, 'sys/wrapping/wrap');
    const lookup = await srv.api('PUT', 'sys/wrapping/lookup', { token: info.token }, '');
    assert.equal((lookup.body.data as { creation_ttl: number }).creation_ttl, 300);
    const first = await srv.api('PUT', 'sys/wrapping/unwrap', undefined, info.token);
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.data, { a: 'b' });
    const second = await srv.api('PUT', 'sys/wrapping/unwrap', undefined, info.token);
    assert.equal(second.status, 400);
  });
});
