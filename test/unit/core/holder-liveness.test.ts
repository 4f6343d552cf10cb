import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HoldAnnouncer, type HoldEnd } from '../../../src/core/ha/holder-liveness.js';

describe('HoldAnnouncer (src/core/ha/holder-liveness.ts)', () => {
  it('tells followers a lost hold is lost and a released one released, then forgets it', () => {
    const a = new HoldAnnouncer();
    const heard: HoldEnd[] = [];
    const unsubscribe = a.subscribe((e) => heard.push(e));
    assert.equal(a.followers, 1);
    a.held('s1');
    assert.equal(a.current, 's1');
    a.lost('s1');
    assert.equal(a.current, undefined);
    a.held('s2');
    a.released();
    assert.equal(a.current, undefined);
    a.released(); // nothing held: nothing to say
    assert.deepEqual(heard, [
      { holdId: 's1', lost: true },
      { holdId: 's2', lost: false },
    ]);
    unsubscribe();
    assert.equal(a.followers, 0);
    a.held('s3');
    a.lost('s3');
    assert.equal(heard.length, 2);
  });
});
