import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../../helpers/in-process-server.js';
import type { TestServer } from '../../helpers/in-process-server.js';

interface AuthBlock {
  client_token: string;
  accessor: string;
  policies: string[];
  lease_duration: number;
  renewable: boolean;
  orphan: boolean;
}

describe('token store over HTTP', () => {
  let srv: TestServer;
  const create = async (
    body: Record<string, unknown>,
    token?: string,
    path = 'auth/token/create',
  ): Promise<AuthBlock> => {
    const r = await srv.api('POST', path, body, token);
    assert.equal(r.status, 200, r.text);
    return r.body.auth as AuthBlock;
  };
  before(async () => {
    srv = await startTestServer();
    await srv.api('PUT', 'sys/policies/acl/parent', {
      policy:
        'path "auth/token/create" { capabilities = ["update"] }\npath "secret/*" { capabilities = ["read"] }',
    });
  });
  after(async () => {
    await srv.stop();
  });

  it('issues hvs. tokens with accessors, stored only under a salted HMAC', async () => {
    const a = await create({ policies: ['parent'], ttl: '1h', display_name: 'ci job', meta: { team: 'x' } });
    assert.match(a.client_token, /^hvs\.[A-Za-z0-9]{24}$/);
    assert.match(a.accessor, /^[A-Za-z0-9]{24}$/);
    assert.deepEqual(a.policies, ['default', 'parent']);
    assert.equal(a.lease_duration, 3600);
    assert.equal(a.renewable, true);
    const look = await srv.api('POST', 'auth/token/lookup', { token: a.client_token });
    const d = look.body.data as Record<string, unknown>;
    assert.equal(d.display_name, 'token-ci-job');
    assert.deepEqual(d.meta, { team: 'x' });
    assert.equal(d.path, 'auth/token/create');
    const byAccessor = await srv.api('POST', 'auth/token/lookup-accessor', { accessor: a.accessor });
    assert.equal(
      (byAccessor.body.data as { id: string }).id,
      '',
      'lookup by accessor never reveals the token',
    );
    const physical = srv.server.storage as unknown as { entries(): Iterable<[string, Buffer]> };
    for (const [key, value] of physical.entries()) {
      assert.ok(
        !key.includes(a.client_token) && !value.includes(Buffer.from(a.client_token)),
        `raw token found at ${key}`,
      );
    }
  });

  it('revoking a parent revokes its whole tree; revoke-orphan keeps the children', async () => {
    const parent = await create({ policies: ['parent'] });
    const child = await create({ policies: ['parent'] }, parent.client_token);
    const grandchild = await create({ policies: ['parent'] }, child.client_token);
    assert.equal(child.orphan, false);
    assert.equal((await srv.api('POST', 'auth/token/revoke', { token: parent.client_token })).status, 204);
    for (const t of [parent, child, grandchild]) {
      assert.equal((await srv.api('GET', 'auth/token/lookup-self', undefined, t.client_token)).status, 403);
    }
    const p2 = await create({ policies: ['parent'] });
    const c2 = await create({ policies: ['parent'] }, p2.client_token);
    assert.equal((await srv.api('POST', 'auth/token/revoke-orphan', { token: p2.client_token })).status, 204);
    assert.equal((await srv.api('GET', 'auth/token/lookup-self', undefined, p2.client_token)).status, 403);
    const orphaned = await srv.api('GET', 'auth/token/lookup-self', undefined, c2.client_token);
    assert.equal(orphaned.status, 200);
    assert.equal((orphaned.body.data as { orphan: boolean }).orphan, true);
  });

  it('renews, revokes by accessor and revokes itself', async () => {
    const t = await create({ policies: ['parent'], ttl: '10m', explicit_max_ttl: '20m' });
    const renewed = await srv.api('POST', 'auth/token/renew', { token: t.client_token, increment: '15m' });
    assert.equal(renewed.status, 200);
    assert.equal((renewed.body.auth as AuthBlock).lease_duration, 900);
    const capped = await srv.api('POST', 'auth/token/renew-self', { increment: '1h' }, t.client_token);
    assert.ok((capped.body.auth as AuthBlock).lease_duration <= 1200, 'renewal stops at explicit_max_ttl');
    assert.equal((await srv.api('POST', 'auth/token/revoke-accessor', { accessor: t.accessor })).status, 204);
    assert.equal((await srv.api('GET', 'auth/token/lookup-self', undefined, t.client_token)).status, 403);
    const self = await create({ policies: ['parent'] });
    assert.equal((await srv.api('POST', 'auth/token/revoke-self', undefined, self.client_token)).status, 204);
    assert.equal((await srv.api('GET', 'auth/token/lookup-self', undefined, self.client_token)).status, 403);
  });

  it('orphans, roles, no_default_policy and expiry', async () => {
    const orphan = await create({ policies: ['parent'] }, undefined, 'auth/token/create-orphan');
    assert.equal(orphan.orphan, true);
    assert.equal(
      (
        await srv.api('POST', 'auth/token/roles/ci', {
          allowed_policies: ['parent'],
          orphan: true,
          token_period: '1h',
        })
      ).status,
      204,
    );
    const role = await srv.api('GET', 'auth/token/roles/ci');
    assert.deepEqual((role.body.data as { allowed_policies: string[] }).allowed_policies, ['parent']);
    const fromRole = await create({}, undefined, 'auth/token/create/ci');
    assert.equal(fromRole.orphan, true);
    assert.deepEqual(fromRole.policies, ['default', 'parent']);
    const refused = await srv.api('POST', 'auth/token/create/ci', { policies: ['admin'] });
    assert.equal(refused.status, 400);
    const bare = await create({ policies: ['parent'], no_default_policy: true });
    assert.deepEqual(bare.policies, ['parent']);
    const short = await create({ policies: ['parent'], ttl: '1s' });
    await new Promise((r) => setTimeout(r, 2100));
    assert.equal(
      (await srv.api('GET', 'auth/token/lookup-self', undefined, short.client_token)).status,
      403,
      'expired',
    );
    const accessors = await srv.api('GET', 'auth/token/accessors?list=true');
    assert.ok(
      !(accessors.body.data as { keys: string[] }).keys.includes(short.accessor),
      'the expired token was revoked',
    );
  });
});
