/**
 * The ldap auth method against a real OpenLDAP slapd: users in groupOfNames, posixGroup and
 * groupOfUniqueNames groups mapped to policies; wrong passwords, unknown users, empty passwords
 * and filter-injection usernames refused; search and constructed-DN modes; StartTLS and ldaps;
 * URL fail-over; lockout keyed by username.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../../../src/helper/ports.js';
import { startTestServer } from '../../helpers/in-process-server.js';
import type { TestServer } from '../../helpers/in-process-server.js';
import { TestPki } from '../../helpers/openssl-pki.js';
import { GROUPS_DN, startSlapd, USERS_DN } from '../../helpers/slapd.js';
import type { Slapd } from '../../helpers/slapd.js';

const BIND_FAILED = 'ldap operation failed: failed to bind as user';
const errorsOf = (body: Record<string, unknown>): string =>
  (body.errors as string[] | undefined)?.join('; ') ?? '';
const authOf = (body: Record<string, unknown>): Record<string, unknown> =>
  body.auth as Record<string, unknown>;

describe('ldap auth against slapd', () => {
  let pki: TestPki;
  let caPem: string;
  let ldap: Slapd;
  let srv: TestServer;

  const login = (mount: string, user: string, password: unknown) =>
    srv.api(
      'POST',
      `auth/${mount}/login/${encodeURIComponent(user)}`,
      password === undefined ? {} : { password },
      '',
    );

  before(async () => {
    pki = await TestPki.create();
    const ca = await pki.createCa('ldap-ca');
    caPem = ca.certPem;
    const cert = await pki.issue(ca, 'ldap-server', {
      cn: '127.0.0.1',
      ips: ['127.0.0.1'],
      dns: ['localhost'],
      eku: ['serverAuth'],
    });
    ldap = await startSlapd({ tls: { certFile: cert.certFile, keyFile: cert.keyFile } });
    srv = await startTestServer();
    assert.equal((await srv.api('POST', 'sys/auth/ldap', { type: 'ldap' })).status, 204);
    const cfg = await srv.api('POST', 'auth/ldap/config', {
      url: ldap.url,
      binddn: ldap.bindDn,
      bindpass: ldap.bindPassword,
      userdn: USERS_DN,
      userattr: 'uid',
      groupdn: GROUPS_DN,
    });
    assert.equal(cfg.status, 204, cfg.text);
    for (const [group, policy] of [
      ['devs', 'dev-policy'],
      ['ops', 'ops-policy'],
      ['admins', 'admin-policy'],
    ]) {
      assert.equal((await srv.api('POST', `auth/ldap/groups/${group}`, { policies: policy })).status, 204);
    }
    assert.equal(
      (await srv.api('POST', 'auth/ldap/users/Alice', { policies: 'alice-extra', groups: 'auditors' }))
        .status,
      204,
    );
    assert.equal(
      (await srv.api('POST', 'auth/ldap/groups/auditors', { policies: ['audit-policy'] })).status,
      204,
    );
    const policy = 'path "secret/data/dev/*" {\n  capabilities = ["read"]\n}\n';
    assert.equal((await srv.api('PUT', 'sys/policies/acl/dev-policy', { policy })).status, 204);
    assert.equal(
      (await srv.api('POST', 'secret/data/dev/db', { data: { password: 'dev-db-pass' } })).status,
      200,
    );
    assert.equal(
      (await srv.api('POST', 'secret/data/prod/db', { data: { password: 'prod-db-pass' } })).status,
      200,
    );
  });

  after(async () => {
    await srv.stop();
    await ldap.stop();
    await pki.cleanup();
  });

  it('never returns the bind password', async () => {
    const read = await srv.api('GET', 'auth/ldap/config');
    assert.equal(read.status, 200);
    const data = read.body.data as Record<string, unknown>;
    assert.equal(data.binddn, ldap.bindDn);
    assert.equal(data.url, ldap.url);
    assert.ok(!('bindpass' in data));
    assert.ok(!read.text.includes(ldap.bindPassword));
  });

  it('logs in a groupOfNames member with the group and user policies', async () => {
    const res = await login('ldap', 'alice', ldap.passwords.alice);
    assert.equal(res.status, 200, res.text);
    const auth = authOf(res.body);
    assert.deepEqual(auth.policies, ['alice-extra', 'audit-policy', 'default', 'dev-policy']);
    assert.deepEqual(auth.metadata, { username: 'alice' });
    const token = auth.client_token as string;
    const read = await srv.api('GET', 'secret/data/dev/db', undefined, token);
    assert.equal(read.status, 200, read.text);
    assert.deepEqual((read.body.data as Record<string, unknown>).data, { password: 'dev-db-pass' });
    assert.equal((await srv.api('GET', 'secret/data/prod/db', undefined, token)).status, 403);
    const self = await srv.api('GET', 'auth/token/lookup-self', undefined, token);
    assert.equal((self.body.data as Record<string, unknown>).display_name, 'ldap-alice');
  });

  it('resolves posixGroup (memberUid) and groupOfUniqueNames (uniqueMember) groups', async () => {
    const bob = await login('ldap', 'bob', ldap.passwords.bob);
    assert.equal(bob.status, 200, bob.text);
    assert.deepEqual(authOf(bob.body).policies, ['default', 'ops-policy']);
    const carol = await login('ldap', 'carol', ldap.passwords.carol);
    assert.equal(carol.status, 200, carol.text);
    assert.deepEqual(authOf(carol.body).policies, ['admin-policy', 'default']);
  });

  it('refuses a wrong password and an unknown user with the same 400', async () => {
    const wrong = await login('ldap', 'alice', 'not-her-password');
    assert.equal(wrong.status, 400);
    assert.equal(errorsOf(wrong.body), BIND_FAILED);
    const unknown = await login('ldap', 'mallory', 'whatever');
    assert.equal(unknown.status, 400);
    assert.equal(errorsOf(unknown.body), BIND_FAILED);
    const otherPassword = await login('ldap', 'alice', ldap.passwords.bob);
    assert.equal(otherPassword.status, 400);
  });

  it('refuses empty and missing passwords without an unauthenticated bind', async () => {
    for (const password of ['', undefined]) {
      const res = await login('ldap', 'alice', password);
      assert.equal(res.status, 400);
      assert.equal(
        errorsOf(res.body),
        'password cannot be of zero length when passwordless binds are being denied',
      );
    }
  });

  it('treats filter syntax in usernames as literal text', async () => {
    for (const user of [
      '*',
      'al*',
      '*)(uid=*',
      'alice)(|(uid=*',
      '*)(|(objectClass=*',
      'alice\\',
      '(uid=alice)',
    ]) {
      const res = await login('ldap', user, ldap.passwords.alice);
      assert.equal(res.status, 400, `username ${JSON.stringify(user)} must not log in`);
      assert.equal(errorsOf(res.body), BIND_FAILED);
    }
  });

  it('works without a service account: binds as userattr=<user>,userdn', async () => {
    assert.equal((await srv.api('POST', 'sys/auth/ldap-direct', { type: 'ldap' })).status, 204);
    const cfg = { url: ldap.url, userdn: USERS_DN, userattr: 'uid', groupdn: GROUPS_DN };
    assert.equal((await srv.api('POST', 'auth/ldap-direct/config', cfg)).status, 204);
    await srv.api('POST', 'auth/ldap-direct/groups/devs', { policies: 'dev-policy' });
    const ok = await login('ldap-direct', 'alice', ldap.passwords.alice);
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(authOf(ok.body).policies, ['default', 'dev-policy']);
    for (const user of ['alice,ou=users', 'uid=alice', '*', 'alice+cn=x']) {
      const res = await login('ldap-direct', user, ldap.passwords.alice);
      assert.equal(res.status, 400, `username ${JSON.stringify(user)} must not log in`);
    }
  });

  it('discovers the user DN anonymously with discoverdn', async () => {
    assert.equal((await srv.api('POST', 'sys/auth/ldap-discover', { type: 'ldap' })).status, 204);
    const cfg = { url: ldap.url, userdn: USERS_DN, userattr: 'uid', discoverdn: true, groupdn: GROUPS_DN };
    assert.equal((await srv.api('POST', 'auth/ldap-discover/config', cfg)).status, 204);
    const ok = await login('ldap-discover', 'bob', ldap.passwords.bob);
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await login('ldap-discover', 'b*', ldap.passwords.bob)).status, 400);
  });

  it('connects with StartTLS and ldaps, verifying the server certificate', async () => {
    const ldapsUrl = ldap.ldapsUrl ?? '';
    const mounts: [string, Record<string, unknown>][] = [
      ['ldap-starttls', { url: ldap.url, starttls: true }],
      ['ldap-ldaps', { url: ldapsUrl }],
    ];
    for (const [mount, extra] of mounts) {
      assert.equal((await srv.api('POST', `sys/auth/${mount}`, { type: 'ldap' })).status, 204);
      const base = {
        binddn: ldap.bindDn,
        bindpass: ldap.bindPassword,
        userdn: USERS_DN,
        userattr: 'uid',
        groupdn: GROUPS_DN,
      };
      assert.equal(
        (await srv.api('POST', `auth/${mount}/config`, { ...base, ...extra, certificate: caPem })).status,
        204,
      );
      const ok = await login(mount, 'alice', ldap.passwords.alice);
      assert.equal(ok.status, 200, `${mount}: ${ok.text}`);
      // without the CA the server certificate is not trusted
      assert.equal((await srv.api('POST', `auth/${mount}/config`, { certificate: '' })).status, 204);
      const refused = await login(mount, 'alice', ldap.passwords.alice);
      assert.equal(refused.status, 400);
      assert.match(errorsOf(refused.body), /error connecting to host/);
    }
  });

  it('fails over to the next URL, and reports every unreachable one', async () => {
    const dead = `ldap://127.0.0.1:${await freePort()}`;
    assert.equal((await srv.api('POST', 'sys/auth/ldap-failover', { type: 'ldap' })).status, 204);
    const base = {
      binddn: ldap.bindDn,
      bindpass: ldap.bindPassword,
      userdn: USERS_DN,
      userattr: 'uid',
      groupdn: GROUPS_DN,
    };
    assert.equal(
      (await srv.api('POST', 'auth/ldap-failover/config', { ...base, url: `${dead},${ldap.url}` })).status,
      204,
    );
    assert.equal((await login('ldap-failover', 'bob', ldap.passwords.bob)).status, 200);
    assert.equal(
      (await srv.api('POST', 'auth/ldap-failover/config', { url: `${dead},${dead}` })).status,
      204,
    );
    const res = await login('ldap-failover', 'bob', ldap.passwords.bob);
    assert.equal(res.status, 400);
    assert.match(
      errorsOf(res.body),
      /^2 errors occurred:\n\t\* error connecting to host "ldap:\/\/127\.0\.0\.1:\d+": /,
    );
  });

  it('locks a username out after repeated failures, whatever its case', async () => {
    for (let i = 0; i < 5; i++)
      assert.equal((await login('ldap', i % 2 === 0 ? 'carol' : 'CAROL', 'wrong')).status, 400);
    const locked = await login('ldap', 'carol', ldap.passwords.carol);
    assert.equal(locked.status, 403);
    assert.equal((await login('ldap', 'bob', ldap.passwords.bob)).status, 200);
  });
});
