import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { lostHoldMac, signFollowRequest, verifyFollowRequest } from '../../../src/http/ha-follow-proof.js';

describe('HA follow link proof (src/http/ha-follow-proof.ts)', () => {
  const key = randomBytes(32);

  it('accepts a proof made with the cluster key and returns the follower', () => {
    const now = Date.now();
    assert.equal(verifyFollowRequest(key, signFollowRequest(key, 'node-b', now), now), 'node-b');
  });

  it('refuses another key, a changed node id, a stale timestamp and malformed headers', () => {
    const now = Date.now();
    const header = signFollowRequest(key, 'node-b', now);
    assert.equal(verifyFollowRequest(randomBytes(32), header, now), undefined, 'another cluster');
    assert.equal(verifyFollowRequest(key, header.replace('node-b', 'node-c'), now), undefined, 'node id');
    assert.equal(verifyFollowRequest(key, header, now + 31_000), undefined, 'too old');
    assert.equal(verifyFollowRequest(key, signFollowRequest(key, 'node-b', now + 31_000), now), undefined);
    for (const bad of ['', 'v1', `v2 ${header.slice(3)}`, `${header} extra`, header.slice(0, -2)])
      assert.equal(verifyFollowRequest(key, bad, now), undefined, JSON.stringify(bad));
  });

  it('binds the lost-hold MAC to the hold and the key', () => {
    assert.equal(lostHoldMac(key, 'hold-1'), lostHoldMac(key, 'hold-1'));
    assert.notEqual(lostHoldMac(key, 'hold-1'), lostHoldMac(key, 'hold-2'));
    assert.notEqual(lostHoldMac(key, 'hold-1'), lostHoldMac(randomBytes(32), 'hold-1'));
  });
});
