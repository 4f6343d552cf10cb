import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { leakIn, startTresor } from '../../helpers/tresor-process.js';
import type { ApiResponse, TresorProcess } from '../../helpers/tresor-process.js';

/**
 * Durations from requests are bounded: X-Vault-Wrap-TTL past the max lease TTL is capped to it
 * (as every token TTL is), and a duration that cannot be represented (past Go's time.Duration,
 * about 292 years), or is not a duration, is refused with a 400 naming the field, never accepted
 * (and then answered with a 500 RangeError when the token is looked up).
 */

const HUGE = '100000000000000000000000000'; // 1e26 seconds, written out

function errorsOf(r: ApiResponse): string {
  return ((r.body.errors as string[] | undefined) ?? []).join('; ');
}

function assertRefused(r: ApiResponse, message: RegExp): void {
  assert.equal(r.status, 400, r.text);
  assert.match(errorsOf(r), message);
  assert.equal(leakIn(r.text), undefined, r.text);
}

describe('duration bounds on a real server (max_lease_ttl = 1h)', () => {
  let t: TresorProcess;
  before(async () => {
    t = await startTresor({ extraConfig: 'default_lease_ttl = "1h"\nmax_lease_ttl = "1h"\n' });
  });
  after(async () => {
    await t.stop();
  });

  it('refuses an X-Vault-Wrap-TTL that is too long to represent, or not a duration, with a clear 400', async () => {
    const cases: [string, RegExp][] = [
      [
        HUGE,
        /X-Vault-Wrap-TTL: duration "100000000000000000000000000" is too long; the maximum is 9223372036 seconds \(2562047h47m16s\)/,
      ],
      ['99999999999999999999h', /X-Vault-Wrap-TTL: duration .* is too long/],
      ['9223372037', /X-Vault-Wrap-TTL: duration "9223372037" is too long/],
      ['1e26', /X-Vault-Wrap-TTL: invalid duration "1e26"/],
      ['abc', /X-Vault-Wrap-TTL: invalid duration "abc"/],
      ['-5s', /X-Vault-Wrap-TTL must not be negative/],
    ];
    for (const [value, message] of cases) {
      for (const [method, path, body] of [
        ['POST', 'sys/wrapping/wrap', { a: 'b' }],
        ['POST', 'auth/token/create', { policies: ['default'] }],
      ] as const) {
        const r = await t.api(method, path, body, { headers: { 'X-Vault-Wrap-TTL': value } });
        assertRefused(r, message);
      }
    }
  });

  it('caps a wrap TTL above the max lease TTL at the max, and the token stays lookup-able', async () => {
    for (const value of ['2h', '9223372036']) {
      const wrapped = await t.api(
        'POST',
        'sys/wrapping/wrap',
        { a: 'b' },
        { headers: { 'X-Vault-Wrap-TTL': value } },
      );
      assert.equal(wrapped.status, 200, wrapped.text);
      const info = wrapped.body.wrap_info as { token: string; ttl: number };
      assert.equal(info.ttl, 3600, value);
      const lookup = await t.api('POST', 'sys/wrapping/lookup', { token: info.token }, { token: '' });
      assert.equal(lookup.status, 200, lookup.text);
      assert.equal((lookup.body.data as { creation_ttl: number }).creation_ttl, 3600);
      const tokenLookup = await t.api('POST', 'auth/token/lookup', { token: info.token });
      assert.equal(tokenLookup.status, 200, tokenLookup.text);
      const data = tokenLookup.body.data as { ttl: number; expire_time: string };
      assert.ok(data.ttl > 3590 && data.ttl <= 3600, String(data.ttl));
      assert.ok(Date.parse(data.expire_time) - Date.now() <= 3_600_000 + 5_000, data.expire_time);
      const unwrap = await t.api('POST', 'sys/wrapping/unwrap', { token: info.token }, { token: '' });
      assert.equal(unwrap.status, 200, unwrap.text);
    }
    // A wrap TTL within the max is kept as asked.
    const short = await t.api(
      'POST',
      'sys/wrapping/wrap',
      { a: 'b' },
      { headers: { 'X-Vault-Wrap-TTL': '90s' } },
    );
    assert.equal((short.body.wrap_info as { ttl: number }).ttl, 90);
  });

  it('refuses unrepresentable durations in request bodies with a 400 naming the field', async () => {
    const cases: [string, string, Record<string, unknown>, RegExp][] = [
      ['POST', 'auth/token/create', { period: HUGE }, /period: duration .* is too long/],
      ['POST', 'auth/token/create', { ttl: 1e26 }, /ttl: duration "1e\+26" is too long/],
      [
        'POST',
        'auth/token/create',
        { explicit_max_ttl: '99999999999999999999h' },
        /explicit_max_ttl: duration .* is too long/,
      ],
      ['POST', 'auth/token/create', { ttl: 'forever' }, /ttl: invalid duration "forever"/],
      [
        'POST',
        'sys/mounts/cubbyhole/tune',
        { max_lease_ttl: HUGE },
        /max_lease_ttl: duration .* is too long/,
      ],
      [
        'PUT',
        'sys/policies/acl/huge',
        { policy: `path "a" { max_wrapping_ttl = "${HUGE}" }` },
        /max_wrapping_ttl: duration .* is too long/,
      ],
    ];
    for (const [method, path, body, message] of cases) {
      assertRefused(await t.api(method, path, body), message);
    }
    // The largest representable period still makes a token that can be looked up (no RangeError).
    const created = await t.api('POST', 'auth/token/create', { period: '9223372036' });
    assert.equal(created.status, 200, created.text);
    const token = (created.body.auth as { client_token: string }).client_token;
    const lookup = await t.api('GET', 'auth/token/lookup-self', undefined, { token });
    assert.equal(lookup.status, 200, lookup.text);
  });
});
