import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomBase62, shortHex } from '../../../src/helper/random.js';

describe('random identifiers', () => {
  it('are base62 of the asked length and do not repeat, across many refills of the pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = randomBase62(24);
      assert.match(id, /^[A-Za-z0-9]{24}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 5000);
  });

  it('use every base62 character about equally (no modulo bias)', () => {
    const counts = new Map<string, number>();
    const n = 62 * 2000;
    for (const c of randomBase62(n)) counts.set(c, (counts.get(c) ?? 0) + 1);
    assert.equal(counts.size, 62);
    // Expected 2000 each; a chi-square with 61 degrees of freedom beyond 120 happens with p < 1e-5.
    let chi = 0;
    for (const v of counts.values()) chi += (v - 2000) ** 2 / 2000;
    assert.ok(chi < 120, `chi-square ${chi.toFixed(1)}`);
  });

  it('shortHex is 8 hex characters', () => {
    assert.match(shortHex(), /^[0-9a-f]{8}$/);
    assert.notEqual(shortHex(), shortHex());
  });
});
