import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerCache, respond } from '../../../dns/answer-cache.js';
import { EMPTY_VIEW, type ViewSnapshot } from '../../../dns/view-types.js';
import { query } from './wire-query.js';

const NOW = 1_800_000_000_000;
const UDP = { transport: 'udp', limit: 512, edns: false } as const;

function view(version: number | undefined, confirmedAt: number | undefined = NOW): ViewSnapshot {
  return { ...EMPTY_VIEW, confirmedAt, ...(version === undefined ? {} : { version }) };
}

/** A query and the end of its question. */
function asked(name: string, type = 1): { data: Buffer; end: number } {
  const data = query({ name, type });
  return { data, end: data.length };
}

const ANSWER = Buffer.from([0x12, 0x34, 0x85, 0x00, 0, 1, 0, 1, 0, 0, 0, 0]);

describe('dns answer cache', () => {
  it('finds an answer by the question bytes and the transport, limit and EDNS it was kept under', () => {
    const cache = new AnswerCache<string>(10, 15_000);
    assert.equal(cache.sync(view(1), NOW), true);
    const a = asked('active.vault.consul');
    cache.set(a.data, a.end, UDP, { wire: ANSWER, rcode: 0, truncated: false }, 'cells');
    const hit = cache.lookup(a.data, a.end, 'udp', 512, false);
    assert.equal(hit?.extra, 'cells');
    assert.deepEqual(hit.answer.wire, ANSWER);
    assert.equal(cache.lookup(a.data, a.end, 'tcp', 512, false), undefined, 'other transport');
    assert.equal(cache.lookup(a.data, a.end, 'udp', 1232, false), undefined, 'other limit');
    assert.equal(cache.lookup(a.data, a.end, 'udp', 512, true), undefined, 'with EDNS');
    const upper = asked('ACTIVE.vault.consul');
    assert.equal(cache.lookup(upper.data, upper.end, 'udp', 512, false), undefined, 'other case');
    const aaaa = asked('active.vault.consul', 28);
    assert.equal(cache.lookup(aaaa.data, aaaa.end, 'udp', 512, false), undefined, 'other type');
    const other = query({ name: 'active.vault.consul', id: 9, rd: false });
    assert.ok(cache.lookup(other, other.length, 'udp', 512, false) !== undefined, 'id and RD are not keys');
  });

  it('responds with a copy carrying the query’s id and RD bit', () => {
    const asking = query({ name: 'x.consul', id: 0xabcd, rd: false });
    const out = respond({ wire: ANSWER, rcode: 0, truncated: false }, asking);
    assert.equal(out.readUInt16BE(0), 0xabcd);
    assert.equal((out[2] ?? 0) & 1, 0);
    assert.equal((out[2] ?? 0) & 0xfe, 0x84, 'the other flags are the cached ones');
    assert.deepEqual(out.subarray(3), ANSWER.subarray(3));
    assert.equal(ANSWER.readUInt16BE(0), 0x1234, 'the cached bytes are not changed');
  });

  it('keeps its own copy of the answer', () => {
    const cache = new AnswerCache(10, 15_000);
    cache.sync(view(1), NOW);
    const a = asked('x.consul');
    const wire = Buffer.from(ANSWER);
    cache.set(a.data, a.end, UDP, { wire, rcode: 0, truncated: false }, undefined);
    wire.fill(0);
    assert.deepEqual(cache.lookup(a.data, a.end, 'udp', 512, false)?.answer.wire, ANSWER);
  });

  it('forgets everything when the view version, the second or the freshness changes', () => {
    const cache = new AnswerCache(10, 15_000);
    const a = asked('active.vault.consul');
    const fill = (v: ViewSnapshot, now: number): void => {
      assert.equal(cache.sync(v, now), true);
      cache.set(a.data, a.end, UDP, { wire: ANSWER, rcode: 0, truncated: false }, undefined);
    };
    const found = (v: ViewSnapshot, now: number): boolean =>
      cache.sync(v, now) && cache.lookup(a.data, a.end, 'udp', 512, false) !== undefined;
    fill(view(1), NOW);
    assert.equal(found(view(1), NOW + 10), true);
    assert.equal(found(view(2), NOW), false, 'new version');
    fill(view(2), NOW);
    assert.equal(found(view(2), NOW + 1000), false, 'next second');
    fill(view(2), NOW + 1000);
    assert.equal(found(view(2, NOW - 20_000), NOW + 1000), false, 'stale');
    fill(view(2, NOW - 20_000), NOW + 1000);
    assert.equal(found(view(2, undefined), NOW + 1000), false, 'not loaded');
    assert.equal(cache.sync(view(undefined), NOW), false, 'no version, no caching');
  });

  it('stays within its bound', () => {
    const cache = new AnswerCache(3, 15_000);
    cache.sync(view(1), NOW);
    for (let i = 0; i < 10; i++) {
      const q = asked(`n${i}.consul`);
      cache.set(q.data, q.end, UDP, { wire: ANSWER, rcode: 0, truncated: false }, undefined);
      assert.ok(cache.entries <= 3);
    }
    const last = asked('n9.consul');
    assert.ok(cache.lookup(last.data, last.end, 'udp', 512, false) !== undefined);
  });
});
