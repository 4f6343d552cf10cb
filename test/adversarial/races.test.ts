import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientToken, startTresor, tokenWithPolicy } from '../helpers/tresor-process.js';
import type { ApiResponse, TresorProcess } from '../helpers/tresor-process.js';

/** How many answers had each status, e.g. { 200: 3, 403: 27 }. */
function histogram(rs: readonly ApiResponse[]): Record<number, number> {
  const h: Record<number, number> = {};
  for (const r of rs) h[r.status] = (h[r.status] ?? 0) + 1;
  return h;
}

/**
 * Single-use and counted credentials under a burst of concurrent requests, against a real server
 * process on file storage (storage I/O is where a load-then-update race opens). Every request of a
 * burst is on its own connection, all in flight at once.
 */
describe('adversarial: concurrency races on counted credentials', () => {
  let t: TresorProcess;
  before(async () => {
    t = await startTresor({ maxSockets: 64 });
    assert.equal(
      (await t.api('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } })).status,
      204,
    );
    assert.equal((await t.api('POST', 'secret/data/race/x', { data: { v: 'race-value' } })).status, 200);
  });
  after(async () => {
    await t.stop();
  });

  it('a token with num_uses=3 used by 30 concurrent requests succeeds exactly 3 times', async () => {
    const token = await tokenWithPolicy(
      t,
      'race-reader',
      'path "secret/data/race/*" { capabilities = ["read"] }',
      { num_uses: 3 },
    );
    const rs = await Promise.all(
      Array.from({ length: 30 }, () => t.api('GET', 'secret/data/race/x', undefined, { token })),
    );
    assert.deepEqual(histogram(rs), { 200: 3, 403: 27 });
    assert.equal((await t.api('GET', 'secret/data/race/x', undefined, { token })).status, 403);
  });

  it('20 concurrent unwraps of one wrapping token: exactly one 200', async () => {
    const wrapped = await t.api(
      'POST',
      'sys/wrapping/wrap',
      { payload: 'wrapped-race-payload' },
      { headers: { 'X-Vault-Wrap-TTL': '300' } },
    );
    const wrapToken = (wrapped.body.wrap_info as { token: string }).token;
    const rs = await Promise.all(
      Array.from({ length: 20 }, () => t.api('POST', 'sys/wrapping/unwrap', {}, { token: wrapToken })),
    );
    const ok = rs.filter((r) => r.status === 200);
    assert.equal(ok.length, 1, `statuses ${JSON.stringify(histogram(rs))}`);
    assert.deepEqual(ok[0]?.body.data, { payload: 'wrapped-race-payload' });
    assert.ok(
      rs.every((r) => r.status === 200 || r.status === 400 || r.status === 403),
      JSON.stringify(histogram(rs)),
    );
  });

  it('an approle secret_id with secret_id_num_uses=2 logs in exactly twice out of 20 concurrent logins', async () => {
    assert.equal((await t.api('POST', 'sys/auth/approle', { type: 'approle' })).status, 204);
    assert.equal(
      (await t.api('POST', 'auth/approle/role/racer', { secret_id_num_uses: 2, token_policies: ['default'] }))
        .status,
      204,
    );
    const roleId = ((await t.api('GET', 'auth/approle/role/racer/role-id')).body.data as { role_id: string })
      .role_id;
    const secretId = (
      (await t.api('POST', 'auth/approle/role/racer/secret-id', {})).body.data as { secret_id: string }
    ).secret_id;
    const rs = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.api('POST', 'auth/approle/login', { role_id: roleId, secret_id: secretId }, { token: '' }),
      ),
    );
    const ok = rs.filter((r) => r.status === 200);
    assert.equal(ok.length, 2, `statuses ${JSON.stringify(histogram(rs))}`);
    for (const r of ok) assert.ok(clientToken(r).length > 0);
    assert.notEqual(
      (await t.api('POST', 'auth/approle/login', { role_id: roleId, secret_id: secretId }, { token: '' }))
        .status,
      200,
    );
  });

  it('userpass lockout (threshold 3): a burst of 20 wrong guesses, then the right one, never logs in', async () => {
    const tune = {
      type: 'userpass',
      config: {
        user_lockout_config: { lockout_threshold: 3, lockout_duration: '10m', lockout_counter_reset: '10m' },
      },
    };
    assert.equal((await t.api('POST', 'sys/auth/userpass', tune)).status, 204);
    assert.equal(
      (await t.api('POST', 'auth/userpass/users/victim', { password: 'the-right-password' })).status,
      204,
    );
    // every wrong guess is on the wire before the right one is sent; all are in flight together
    let sent = 0;
    let allSent: () => void = () => undefined;
    const wrongSent = new Promise<void>((resolve) => (allSent = resolve));
    const onSent = (): void => {
      if (++sent === 20) allSent();
    };
    const wrong = Array.from({ length: 20 }, (_, i) =>
      t.api('POST', 'auth/userpass/login/victim', { password: `wrong-guess-${i}` }, { token: '', onSent }),
    );
    await wrongSent;
    const right = await t.api(
      'POST',
      'auth/userpass/login/victim',
      { password: 'the-right-password' },
      { token: '' },
    );
    const wrongs = await Promise.all(wrong);
    assert.equal(
      right.status,
      403,
      `the right password inside the burst must not log in: ${right.status} ${right.text}`,
    );
    assert.equal(right.body.auth, undefined);
    const evaluated = wrongs.filter((r) => r.status === 400).length;
    assert.ok(
      evaluated <= 3,
      `at most lockout_threshold guesses are evaluated, got ${JSON.stringify(histogram(wrongs))}`,
    );
    assert.equal(
      (await t.api('POST', 'auth/userpass/login/victim', { password: 'the-right-password' }, { token: '' }))
        .status,
      403,
    );
  });
});
