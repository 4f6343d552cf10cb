import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  NonceGuard,
  VOUCH_WINDOW_MS,
  signForwardedClient,
  verifyForwardedClient,
} from '../../../src/http/forwarded-client.js';

const req = { method: 'GET', target: '/v1/auth/token/lookup-self' };

describe('forwarded-client vouch (HMAC over address, method, target, time, nonce)', () => {
  it('accepts a fresh vouch once and refuses its replay', () => {
    const key = randomBytes(32);
    const nonces = new NonceGuard();
    const header = signForwardedClient(key, '10.1.2.3', req);
    assert.equal(verifyForwardedClient(key, header, req, nonces), '10.1.2.3');
    assert.equal(verifyForwardedClient(key, header, req, nonces), undefined);
  });

  it('refuses another key, another method or target, an edited address, a stale or future time, and junk', () => {
    const key = randomBytes(32);
    const now = Date.now();
    const header = signForwardedClient(key, '10.1.2.3', req, now);
    const check = (h: string, r = req, t = now): string | undefined =>
      verifyForwardedClient(key, h, r, new NonceGuard(), t);
    assert.equal(verifyForwardedClient(randomBytes(32), header, req, new NonceGuard(), now), undefined);
    assert.equal(check(header, { ...req, method: 'POST' }), undefined);
    assert.equal(check(header, { ...req, target: '/v1/sys/mounts' }), undefined);
    assert.equal(check(header.replace('10.1.2.3', '10.1.2.4')), undefined);
    assert.equal(check(header, req, now + VOUCH_WINDOW_MS + 1), undefined);
    assert.equal(check(header, req, now - VOUCH_WINDOW_MS - 1), undefined);
    for (const junk of [
      '',
      '10.1.2.3',
      'v1 10.1.2.3',
      `v1 not-an-ip ${now} ${'a'.repeat(32)} x`,
      `${header} extra`,
      header.replace('v1 ', 'v2 '),
    ]) {
      assert.equal(check(junk), undefined, junk);
    }
    assert.equal(check(header), '10.1.2.3');
  });
});
