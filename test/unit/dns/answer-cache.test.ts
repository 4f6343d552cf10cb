import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerCache, type AnswerKeyParts } from '../../../dns/answer-cache.js';
import { EMPTY_VIEW, type ViewSnapshot } from '../../../dns/view-types.js';

const PARTS: AnswerKeyParts = {
  name: 'active.vault.consul',
  type: 1,
  class: 1,
  limit: 512,
  edns: false,
  transport: 'udp',
};
const NOW = 1_800_000_000_000;

function view(version: number | undefined, confirmedAt: number | undefined = NOW): ViewSnapshot {
  return { ...EMPTY_VIEW, confirmedAt, ...(version === undefined ? {} : { version }) };
}

describe('dns answer cache', () => {
  it('returns a copy with the query’s id and RD bit', () => {
    const cache = new AnswerCache(10, 15_000);
    const key = cache.key(PARTS, view(1), NOW);
    assert.ok(key !== undefined);
    const wire = Buffer.from([0x12, 0x34, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0]);
    cache.set(key, { wire, rcode: 0, truncated: false });
    const hit = cache.get(key, 0xabcd, true);
    assert.ok(hit !== undefined);
    assert.equal(hit.wire.readUInt16BE(0), 0xabcd);
    assert.equal((hit.wire[2] ?? 0) & 1, 1);
    assert.equal(wire.readUInt16BE(0), 0x1234, 'the cached bytes are not changed');
  });

  it('forgets everything when the view version, the second or the freshness changes', () => {
    const cache = new AnswerCache(10, 15_000);
    const fill = (v: ViewSnapshot, now: number): string => {
      const key = cache.key(PARTS, v, now);
      assert.ok(key !== undefined);
      cache.set(key, { wire: Buffer.alloc(12), rcode: 0, truncated: false });
      return key;
    };
    const lookup = (v: ViewSnapshot, now: number): unknown =>
      cache.get(cache.key(PARTS, v, now) ?? '', 1, false);
    fill(view(1), NOW);
    assert.ok(lookup(view(1), NOW + 10) !== undefined);
    assert.equal(lookup(view(2), NOW), undefined, 'new version');
    fill(view(2), NOW);
    assert.equal(lookup(view(2), NOW + 1000), undefined, 'next second');
    fill(view(2), NOW + 1000);
    assert.equal(lookup(view(2, NOW - 20_000), NOW + 1000), undefined, 'stale');
    assert.equal(cache.key(PARTS, view(undefined), NOW), undefined, 'no version, no caching');
  });
});
