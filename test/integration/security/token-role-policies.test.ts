import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTresor, clientToken } from '../../helpers/tresor-process.js';
import type { ApiResponse, TresorProcess } from '../../helpers/tresor-process.js';

interface AuthBlock {
  client_token: string;
  policies: string[];
  orphan: boolean;
}

function errorsOf(r: ApiResponse): string {
  return ((r.body.errors as string[] | undefined) ?? []).join('\n');
}

/**
 * Who may give a token which policies: a role without allowed_policies does not lift the
 * "child policies ⊆ creator's policies" rule, a role with allowed_policies grants exactly those,
 * root may assign anything — and nobody, by any way of issuing a token, gets the internal
 * response-wrapping or control-group policies.
 */
describe('token roles and policy assignment', () => {
  let t: TresorProcess;
  let creator = ''; // holds only update on auth/token/create/* (and default)
  let plainCreator = ''; // holds only update on auth/token/create (and default)

  const accessorCount = async (): Promise<number> => {
    const r = await t.api('GET', 'auth/token/accessors?list=true');
    assert.equal(r.status, 200, r.text);
    return (r.body.data as { keys: string[] }).keys.length;
  };
  const refusedWithoutToken = async (
    path: string,
    body: unknown,
    token: string,
    message: RegExp,
  ): Promise<void> => {
    const before = await accessorCount();
    const r = await t.api('POST', path, body, { token });
    assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}: ${r.text}`);
    assert.match(errorsOf(r), message);
    assert.equal(r.body.auth ?? null, null, 'no token in the answer');
    assert.equal(await accessorCount(), before, 'no token was made');
  };
  const created = async (path: string, body: unknown, token: string): Promise<AuthBlock> => {
    const r = await t.api('POST', path, body, { token });
    assert.equal(r.status, 200, `${path} ${JSON.stringify(body)}: ${r.text}`);
    return r.body.auth as AuthBlock;
  };
  const readsSecret = async (token: string): Promise<number> =>
    (await t.api('GET', 'kv/db', undefined, { token })).status;

  before(async () => {
    t = await startTresor();
    const ok = async (r: Promise<ApiResponse>): Promise<void> => {
      const res = await r;
      assert.ok(res.status === 200 || res.status === 204, res.text);
    };
    await ok(t.api('POST', 'sys/mounts/kv', { type: 'kv' }));
    await ok(t.api('PUT', 'kv/db', { password: 'hunter2' }));
    await ok(
      t.api('PUT', 'sys/policies/acl/admin', {
        policy: 'path "*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }',
      }),
    );
    await ok(t.api('PUT', 'sys/policies/acl/reader', { policy: 'path "kv/*" { capabilities = ["read"] }' }));
    await ok(
      t.api('PUT', 'sys/policies/acl/creator', {
        policy: 'path "auth/token/create/*" { capabilities = ["update"] }',
      }),
    );
    await ok(
      t.api('PUT', 'sys/policies/acl/plain-creator', {
        policy: 'path "auth/token/create" { capabilities = ["update"] }',
      }),
    );
    await ok(t.api('POST', 'auth/token/roles/orphan-role', { orphan: true }));
    await ok(t.api('POST', 'auth/token/roles/ci', { allowed_policies: ['reader'] }));
    await ok(t.api('POST', 'auth/token/roles/no-admin', { disallowed_policies: ['admin'] }));
    creator = clientToken(await t.api('POST', 'auth/token/create', { policies: ['creator'] }));
    plainCreator = clientToken(await t.api('POST', 'auth/token/create', { policies: ['plain-creator'] }));
  });
  after(async () => {
    await t.stop();
  });

  it('a role without allowed_policies does not let its caller mint policies it lacks (the orphan-admin repro)', async () => {
    assert.equal(await readsSecret(creator), 403, 'the creator cannot read the secret itself');
    await refusedWithoutToken(
      'auth/token/create/orphan-role',
      { policies: ['admin'] },
      creator,
      /child policies must be subset of parent/,
    );
    await refusedWithoutToken(
      'auth/token/create/orphan-role',
      { policies: ['reader'] },
      creator,
      /child policies must be subset of parent/,
    );
    await refusedWithoutToken(
      'auth/token/create/orphan-role',
      { policies: ['creator', 'ADMIN '] },
      creator,
      /child policies must be subset of parent/,
    );
    // Inheriting, or asking for what it holds, still works, and gives nothing more.
    const inherited = await created('auth/token/create/orphan-role', {}, creator);
    assert.equal(inherited.orphan, true);
    assert.deepEqual(inherited.policies, ['creator', 'default']);
    assert.equal(await readsSecret(inherited.client_token), 403);
    const held = await created('auth/token/create/orphan-role', { policies: ['creator'] }, creator);
    assert.deepEqual(held.policies, ['creator', 'default']);
  });

  it('a role with only disallowed_policies keeps the subset rule too, and refuses what it disallows', async () => {
    await refusedWithoutToken(
      'auth/token/create/no-admin',
      { policies: ['reader'] },
      creator,
      /child policies must be subset of parent/,
    );
    await refusedWithoutToken(
      'auth/token/create/no-admin',
      { policies: ['admin'] },
      creator,
      /token policy "admin" is disallowed by this role/,
    );
    await refusedWithoutToken(
      'auth/token/create/no-admin',
      { policies: ['admin'] },
      t.rootToken,
      /token policy "admin" is disallowed by this role/,
    );
  });

  it('without a role, child policies must be a subset of the parent, default only if the parent has it', async () => {
    await refusedWithoutToken(
      'auth/token/create',
      { policies: ['admin'] },
      plainCreator,
      /child policies must be subset of parent/,
    );
    await refusedWithoutToken(
      'auth/token/create',
      { policies: ['plain-creator', 'reader'] },
      plainCreator,
      /child policies must be subset of parent/,
    );
    const child = await created('auth/token/create', { policies: ['plain-creator'] }, plainCreator);
    assert.deepEqual(child.policies, ['default', 'plain-creator']);
    const inherited = await created('auth/token/create', {}, plainCreator);
    assert.deepEqual(inherited.policies, ['default', 'plain-creator']);
    const bare = clientToken(
      await t.api('POST', 'auth/token/create', { policies: ['plain-creator'], no_default_policy: true }),
    );
    const bareChild = await created('auth/token/create', { policies: ['plain-creator'] }, bare);
    assert.deepEqual(bareChild.policies, ['plain-creator'], 'a parent without default cannot hand it out');
    await refusedWithoutToken(
      'auth/token/create',
      { policies: ['default'] },
      bare,
      /child policies must be subset of parent/,
    );
  });

  it('a role with allowed_policies grants exactly those, whatever its caller holds', async () => {
    const fromRole = await created('auth/token/create/ci', {}, creator);
    assert.deepEqual(fromRole.policies, ['default', 'reader']);
    assert.equal(await readsSecret(fromRole.client_token), 200);
    const asked = await created(
      'auth/token/create/ci',
      { policies: ['reader'], no_default_policy: true },
      creator,
    );
    assert.deepEqual(asked.policies, ['reader']);
    await refusedWithoutToken(
      'auth/token/create/ci',
      { policies: ['reader', 'admin'] },
      creator,
      /token policies \(admin\) must be subset of the role's allowed_policies \(reader\)/,
    );
  });

  it('root may assign any policy, with or without a role', async () => {
    const direct = await created('auth/token/create', { policies: ['admin'] }, t.rootToken);
    assert.deepEqual(direct.policies, ['admin', 'default']);
    const viaRole = await created('auth/token/create/orphan-role', { policies: ['admin'] }, t.rootToken);
    assert.deepEqual(viaRole.policies, ['admin', 'default']);
    assert.equal(viaRole.orphan, true);
    assert.equal(await readsSecret(viaRole.client_token), 200);
  });

  it('refuses the internal policies on every token create, for root too', async () => {
    const root = t.rootToken;
    await refusedWithoutToken(
      'auth/token/create',
      { policies: ['response-wrapping'] },
      root,
      /cannot assign policy "response-wrapping"/,
    );
    await refusedWithoutToken(
      'auth/token/create',
      { policies: ['admin', ' Control-Group'] },
      root,
      /cannot assign policy "control-group"/,
    );
    await refusedWithoutToken(
      'auth/token/create-orphan',
      { policies: ['response-wrapping'] },
      root,
      /cannot assign policy "response-wrapping"/,
    );
    await refusedWithoutToken(
      'auth/token/create/orphan-role',
      { policies: ['response-wrapping'] },
      root,
      /cannot assign policy "response-wrapping"/,
    );
    // A role may name them (as in Vault), but no token comes out of it.
    assert.equal(
      (
        await t.api('POST', 'auth/token/roles/wrap-role', {
          allowed_policies: ['response-wrapping', 'reader'],
        })
      ).status,
      204,
    );
    await refusedWithoutToken(
      'auth/token/create/wrap-role',
      {},
      creator,
      /cannot assign policy "response-wrapping"/,
    );
    await refusedWithoutToken(
      'auth/token/create/wrap-role',
      { policies: ['response-wrapping'] },
      root,
      /cannot assign policy "response-wrapping"/,
    );
    assert.deepEqual(
      (await created('auth/token/create/wrap-role', { policies: ['reader'] }, creator)).policies,
      ['default', 'reader'],
    );
  });

  it('refuses a login whose method would hand out an internal policy or root', async () => {
    assert.equal((await t.api('POST', 'sys/auth/userpass', { type: 'userpass' })).status, 204);
    const users: [string, string[]][] = [
      ['wrapper', ['response-wrapping']],
      ['grouper', ['reader', 'control-group']],
      ['rooter', ['Root']],
      ['reader', ['reader']],
    ];
    for (const [name, policies] of users) {
      assert.equal(
        (
          await t.api('POST', `auth/userpass/users/${name}`, {
            password: `${name}-pass`,
            token_policies: policies,
          })
        ).status,
        204,
      );
    }
    for (const [name, internal] of [
      ['wrapper', 'response-wrapping'],
      ['grouper', 'control-group'],
    ]) {
      await refusedWithoutToken(
        `auth/userpass/login/${name}`,
        { password: `${name}-pass` },
        '',
        new RegExp(`cannot assign policy "${internal}"`),
      );
    }
    await refusedWithoutToken(
      'auth/userpass/login/rooter',
      { password: 'rooter-pass' },
      '',
      /auth methods cannot create root tokens/,
    );
    const ok = await t.api('POST', 'auth/userpass/login/reader', { password: 'reader-pass' }, { token: '' });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual((ok.body.auth as AuthBlock).policies, ['default', 'reader']);
  });

  it('the internal policies cannot be written or deleted, and response wrapping still works', async () => {
    for (const name of ['response-wrapping', 'control-group']) {
      for (const path of [`sys/policy/${name}`, `sys/policies/acl/${name}`]) {
        const put = await t.api('PUT', path, { policy: 'path "*" { capabilities = ["sudo", "read"] }' });
        assert.equal(put.status, 400, `${path}: ${put.text}`);
        assert.match(errorsOf(put), /cannot update/);
        const del = await t.api('DELETE', path);
        assert.equal(del.status, 400, `${path}: ${del.text}`);
        assert.match(errorsOf(del), /cannot delete/);
      }
    }
    const read = await t.api('GET', 'sys/policies/acl/response-wrapping');
    assert.doesNotMatch(read.text, /"\*"/, 'the built-in text is unchanged');
    const wrapped = await t.api('GET', 'kv/db', undefined, { headers: { 'X-Vault-Wrap-TTL': '60' } });
    assert.equal(wrapped.status, 200, wrapped.text);
    const wrapToken = (wrapped.body.wrap_info as { token: string }).token;
    const unwrapped = await t.api('POST', 'sys/wrapping/unwrap', undefined, { token: wrapToken });
    assert.equal(unwrapped.status, 200, unwrapped.text);
    assert.deepEqual(unwrapped.body.data, { password: 'hunter2' });
  });
});
