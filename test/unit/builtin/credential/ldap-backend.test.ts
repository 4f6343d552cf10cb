import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ldapFactory } from '../../../../src/builtin/credential/ldap/index.js';
import type { LogicalBackend, Operation } from '../../../../src/logical/types.js';
import { VaultError } from '../../../../src/helper/errors.js';
import { backendConfig, request } from '../../../helpers/engine-request.js';
import { freePort } from '../../../../src/helper/ports.js';
import { MemoryStorage } from '../../../helpers/memory-storage.js';
import { TestPki } from '../../../helpers/openssl-pki.js';

describe('ldap auth backend (no directory needed)', () => {
  let storage: MemoryStorage;
  let backend: LogicalBackend;

  const call = (operation: Operation, path: string, data: Record<string, unknown> = {}) =>
    backend.handleRequest(request({ operation, path, storage, data, mountPoint: 'auth/ldap/' }));
  const rejects = async (p: Promise<unknown>, status: number, message: string | RegExp): Promise<void> => {
    await assert.rejects(p, (err: unknown) => {
      assert.ok(err instanceof VaultError, String(err));
      assert.equal(err.status, status);
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    });
  };

  before(async () => {
    storage = new MemoryStorage();
    backend = await ldapFactory(backendConfig(storage));
  });

  it('serves logins without a token and names the user for lockout', async () => {
    assert.deepEqual(backend.specialPaths?.unauthenticated, ['login/*']);
    const id = (operation: Operation, path: string) =>
      backend.loginIdentifier?.(request({ operation, path, storage }));
    assert.equal(await id('update', 'login/Alice'), 'alice');
    assert.equal(await id('create', 'login/BOB'), 'bob');
    assert.equal(await id('read', 'login/alice'), undefined);
    assert.equal(await id('update', 'users/alice'), undefined);
  });

  it('reads Vault defaults before any write', async () => {
    const data = (await call('read', 'config'))?.data ?? {};
    assert.equal(data.url, 'ldap://127.0.0.1');
    assert.equal(data.userattr, 'cn');
    assert.equal(data.groupattr, 'cn');
    assert.equal(
      data.groupfilter,
      '(|(memberUid={{.Username}})(member={{.UserDN}})(uniqueMember={{.UserDN}}))',
    );
    assert.equal(data.userfilter, '({{.UserAttr}}={{.Username}})');
    assert.equal(data.deny_null_bind, true);
    assert.equal(data.request_timeout, 90);
    assert.equal(data.connection_timeout, 30);
    assert.equal(data.tls_min_version, 'tls12');
    assert.deepEqual(data.token_policies, []);
    assert.ok(!('bindpass' in data));
  });

  it('merges writes, keeps the bind password and never shows it', async () => {
    await call('update', 'config', {
      url: 'LDAP://Dir.Example:389,ldaps://dir2.example',
      binddn: 'cn=svc,dc=x',
      bindpass: 'hunter2-secret',
      userattr: 'UID',
      token_policies: 'base',
      token_ttl: '30m',
    });
    await call('update', 'config', { userdn: 'ou=people,dc=x' });
    const data = (await call('read', 'config'))?.data ?? {};
    assert.equal(data.url, 'ldap://dir.example:389,ldaps://dir2.example');
    assert.equal(data.binddn, 'cn=svc,dc=x');
    assert.equal(data.userattr, 'uid');
    assert.equal(data.userdn, 'ou=people,dc=x');
    assert.deepEqual(data.token_policies, ['base']);
    assert.equal(data.token_ttl, 1800);
    assert.ok(!JSON.stringify(data).includes('hunter2'));
    assert.match(
      storage.text('config') ?? '',
      /hunter2-secret/,
      'kept (behind the barrier) for service binds',
    );
  });

  it('warns when userfilter ignores userattr', async () => {
    const res = await call('update', 'config', { userfilter: '(mail={{.Username}})' });
    assert.match(res?.warnings?.[0] ?? '', /userfilter configured does not consider userattr/);
    await call('update', 'config', { userfilter: '' });
  });

  it('validates the config', async () => {
    await rejects(call('update', 'config', { url: 'http://dir.example' }), 400, /invalid LDAP scheme/);
    await rejects(call('update', 'config', { url: ' , ' }), 400, 'at least one url must be provided');
    await rejects(
      call('update', 'config', { groupfilter: '(member={{.Nope}})' }),
      400,
      /^invalid groupfilter/,
    );
    await rejects(call('update', 'config', { userfilter: '(uid={{.Username}}' }), 400, /^invalid userfilter/);
    await rejects(
      call('update', 'config', { certificate: 'not pem' }),
      400,
      'failed to decode PEM block in the certificate',
    );
    await rejects(call('update', 'config', { tls_min_version: 'ssl3' }), 400, /invalid 'tls_min_version'/);
    await rejects(
      call('update', 'config', { tls_min_version: 'tls13', tls_max_version: 'tls12' }),
      400,
      /must be greater than or equal/,
    );
    await rejects(call('update', 'config', { dereference_aliases: 'sometimes' }), 400, /dereference_aliases/);
    await rejects(call('update', 'config', { use_token_groups: true }), 400, /not supported/);
    await rejects(
      call('update', 'config', { client_tls_key: 'k' }),
      400,
      'both client_tls_cert and client_tls_key must be set',
    );
    await rejects(
      call('update', 'config', { token_num_uses: -1 }),
      400,
      "'token_num_uses' cannot be negative",
    );
    await rejects(call('update', 'config', { request_timeout: 'soon' }), 400, /request_timeout/);
    // nothing of the refused writes was kept
    assert.equal((await call('read', 'config'))?.data?.tls_min_version, 'tls12');
  });

  it('accepts a PEM CA certificate', async () => {
    const pki = await TestPki.create();
    try {
      const ca = await pki.createCa('ldap-unit-ca');
      await call('update', 'config', { certificate: ca.certPem });
      assert.equal((await call('read', 'config'))?.data?.certificate, ca.certPem);
      await call('update', 'config', { certificate: '' });
    } finally {
      await pki.cleanup();
    }
  });

  it('manages groups and users case-insensitively, with Vault read shapes', async () => {
    await call('update', 'groups/Devs', { policies: 'Dev,ops,dev' });
    assert.deepEqual((await call('read', 'groups/devs'))?.data, { policies: ['dev', 'ops'] });
    await call('update', 'users/Alice', { policies: ['p1'], groups: 'Devs, qa' });
    assert.deepEqual((await call('read', 'users/ALICE'))?.data, { groups: 'devs,qa', policies: ['p1'] });
    await call('update', 'groups/team/sub', { policies: 'x' });
    assert.deepEqual((await call('list', 'groups/'))?.data, { keys: ['devs', 'team/sub'] });
    assert.deepEqual((await call('list', 'users/'))?.data, { keys: ['alice'] });
    await call('delete', 'users/alice');
    assert.equal(await call('read', 'users/alice'), undefined);
    assert.equal(await call('list', 'users/'), undefined);
    await rejects(call('update', 'groups/a/../b', { policies: 'x' }), 400, /not allowed/);
  });

  it('keeps name case when case_sensitive_names is set', async () => {
    const s = new MemoryStorage();
    const b = await ldapFactory(backendConfig(s));
    await b.handleRequest(
      request({ operation: 'update', path: 'config', storage: s, data: { case_sensitive_names: true } }),
    );
    await b.handleRequest(
      request({ operation: 'update', path: 'groups/Devs', storage: s, data: { policies: 'p' } }),
    );
    assert.equal(
      await b.handleRequest(request({ operation: 'read', path: 'groups/devs', storage: s })),
      undefined,
    );
    assert.ok(await b.handleRequest(request({ operation: 'read', path: 'groups/Devs', storage: s })));
  });

  it('answers login failures without touching the network when it can', async () => {
    const fresh = new MemoryStorage();
    const b = await ldapFactory(backendConfig(fresh));
    const login = (data: Record<string, unknown>) =>
      b.handleRequest(request({ operation: 'update', path: 'login/alice', storage: fresh, data }));
    await rejects(login({ password: 'x' }), 400, 'auth method not configured');
    const port = await freePort();
    await b.handleRequest(
      request({
        operation: 'update',
        path: 'config',
        storage: fresh,
        data: { url: `ldap://127.0.0.1:${port}`, userdn: 'ou=u,dc=x', connection_timeout: 2 },
      }),
    );
    await rejects(
      login({}),
      400,
      'password cannot be of zero length when passwordless binds are being denied',
    );
    // deny_null_bind=false does not open the door to unauthenticated binds
    await b.handleRequest(
      request({ operation: 'update', path: 'config', storage: fresh, data: { deny_null_bind: false } }),
    );
    await rejects(
      login({ password: '' }),
      400,
      'password cannot be of zero length when passwordless binds are being denied',
    );
    await rejects(
      login({ password: 'x' }),
      400,
      new RegExp(
        `^1 error occurred:\\n\\t\\* error connecting to host "ldap://127\\.0\\.0\\.1:${port}": .*ECONNREFUSED`,
      ),
    );
  });

  it('refuses logins from outside token_bound_cidrs with 403', async () => {
    const s = new MemoryStorage();
    const b = await ldapFactory(backendConfig(s));
    await b.handleRequest(
      request({ operation: 'update', path: 'config', storage: s, data: { token_bound_cidrs: '10.0.0.0/8' } }),
    );
    await rejects(
      b.handleRequest(
        request({ operation: 'update', path: 'login/alice', storage: s, data: { password: 'x' } }),
      ),
      403,
      /permission denied/,
    );
  });
});
