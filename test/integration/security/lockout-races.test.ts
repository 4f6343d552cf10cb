/**
 * User lockout under concurrency and name tricks, against a real server process on file storage
 * (and a real slapd for ldap): check → authenticate → record run one at a time per identity, so a
 * burst of guesses is counted guess by guess and a right guess inside the burst is refused once
 * the identity locked; an ldap name with extra spaces or another case is the same identity.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTresor, clientToken } from '../../helpers/tresor-process.js';
import type { ApiResponse, TresorProcess } from '../../helpers/tresor-process.js';
import { startSlapd, USERS_DN, GROUPS_DN } from '../../helpers/slapd.js';
import type { Slapd } from '../../helpers/slapd.js';

const LOCKOUT = {
  user_lockout_config: { lockout_threshold: 3, lockout_duration: '10m', lockout_counter_reset: '10m' },
};

/** `wrong` wrong guesses with the right one at position `rightAt`, all sent at once. */
async function burst(
  send: (right: boolean) => Promise<ApiResponse>,
  wrong: number,
  rightAt: number,
): Promise<{ right: ApiResponse; wrong: ApiResponse[] }> {
  const calls: Promise<ApiResponse>[] = [];
  for (let i = 0; i <= wrong; i++) calls.push(send(i === rightAt));
  const all = await Promise.all(calls);
  return { right: all[rightAt]!, wrong: all.filter((_, i) => i !== rightAt) };
}

function lockedCount(list: ApiResponse): number {
  return (list.body.data as { total: number }).total;
}

describe('lockout holds under concurrent guesses', () => {
  let srv: TresorProcess;
  let ldap: Slapd;
  before(async () => {
    [srv, ldap] = await Promise.all([startTresor({ maxSockets: 32 }), startSlapd()]);
  });
  after(async () => {
    await Promise.all([srv.stop(), ldap.stop()]);
  });

  it('userpass: 20 concurrent wrong guesses lock the user, and the right guess sent in the burst is refused', async () => {
    assert.equal(
      (await srv.api('POST', 'sys/auth/userpass', { type: 'userpass', config: LOCKOUT })).status,
      204,
    );
    assert.equal(
      (await srv.api('POST', 'auth/userpass/users/mallory', { password: 'the-right-password' })).status,
      204,
    );
    const { right, wrong } = await burst(
      (ok) =>
        srv.api(
          'POST',
          'auth/userpass/login/mallory',
          { password: ok ? 'the-right-password' : 'a-guess' },
          { token: '' },
        ),
      20,
      10,
    );
    assert.equal(
      wrong.filter((r) => r.status === 400).length,
      3,
      'exactly the threshold of guesses is evaluated',
    );
    assert.equal(wrong.filter((r) => r.status === 403).length, 17, 'the rest are refused as locked');
    assert.equal(right.status, 403, 'the right password arriving after the lock does not log in');
    assert.equal(right.body.auth, undefined);
    assert.equal(
      (
        await srv.api(
          'POST',
          'auth/userpass/login/mallory',
          { password: 'the-right-password' },
          { token: '' },
        )
      ).status,
      403,
      'still locked',
    );
    assert.equal(lockedCount(await srv.api('GET', 'sys/locked-users')), 1);
  });

  it('approle: a burst of wrong secret_ids locks the role_id, and the right secret_id in the burst is refused', async () => {
    assert.equal(
      (await srv.api('POST', 'sys/auth/approle', { type: 'approle', config: LOCKOUT })).status,
      204,
    );
    assert.equal(
      (await srv.api('POST', 'auth/approle/role/batch', { token_policies: ['default'] })).status,
      204,
    );
    const roleId = (await srv.api('GET', 'auth/approle/role/batch/role-id')).body.data as { role_id: string };
    const secret = (await srv.api('POST', 'auth/approle/role/batch/secret-id')).body.data as {
      secret_id: string;
    };
    const { right, wrong } = await burst(
      (ok) =>
        srv.api(
          'POST',
          'auth/approle/login',
          {
            role_id: roleId.role_id,
            secret_id: ok ? secret.secret_id : '00000000-0000-0000-0000-000000000000',
          },
          { token: '' },
        ),
      20,
      8,
    );
    assert.equal(wrong.filter((r) => r.status === 400).length, 3);
    assert.equal(wrong.filter((r) => r.status === 403).length, 17);
    assert.equal(right.status, 403);
  });

  it('ldap: spaces, case and invisible characters around a name share one lockout counter with the name', async () => {
    assert.equal((await srv.api('POST', 'sys/auth/ldap', { type: 'ldap', config: LOCKOUT })).status, 204);
    const cfg = await srv.api('POST', 'auth/ldap/config', {
      url: ldap.url,
      binddn: ldap.bindDn,
      bindpass: ldap.bindPassword,
      userdn: USERS_DN,
      userattr: 'uid',
      groupdn: GROUPS_DN,
    });
    assert.equal(cfg.status, 204, cfg.text);
    const login = (name: string, password: string): Promise<ApiResponse> =>
      srv.api('POST', `auth/ldap/login/${encodeURIComponent(name)}`, { password }, { token: '' });

    const spaced = await login('alice  ', ldap.passwords.alice);
    assert.equal(spaced.status, 200, 'the directory matches "alice  " to alice');
    assert.equal(
      (spaced.body.auth as { metadata: { username: string } }).metadata.username,
      'alice',
      'and the token names the normal form',
    );
    clientToken(spaced);

    for (const name of ['alice ', ' ALICE', 'alice\u200b'])
      assert.equal((await login(name, 'wrong-guess')).status, 400, name);
    const after3 = await login('alice', ldap.passwords.alice);
    assert.equal(after3.status, 403, 'three failures under three spellings locked alice herself');
    assert.equal(
      (await login('Alice  ', ldap.passwords.alice)).status,
      403,
      'and every other spelling of her',
    );
    assert.equal((await login('bob', ldap.passwords.bob)).status, 200, 'other users are unaffected');
    assert.equal((await login('  ', 'x')).status, 400, 'a name of spaces only is refused as missing');
  });
});
