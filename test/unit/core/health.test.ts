import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { healthStatusCode } from '../../../src/core/health.js';

describe('sys/health status codes', () => {
  const q = (query: Record<string, string> = {}) => query;
  it('uses Vault defaults in order of precedence', () => {
    assert.equal(healthStatusCode({ initialized: false, state: 'uninitialized', query: q() }), 501);
    assert.equal(healthStatusCode({ initialized: true, state: 'sealed', query: q() }), 503);
    assert.equal(healthStatusCode({ initialized: true, state: 'standby', query: q() }), 429);
    assert.equal(healthStatusCode({ initialized: true, state: 'active', query: q() }), 200);
  });
  it('honours the code overrides and standbyok', () => {
    assert.equal(
      healthStatusCode({ initialized: false, state: 'uninitialized', query: q({ uninitcode: '200' }) }),
      200,
    );
    assert.equal(
      healthStatusCode({ initialized: true, state: 'sealed', query: q({ sealedcode: '299' }) }),
      299,
    );
    assert.equal(
      healthStatusCode({ initialized: true, state: 'standby', query: q({ standbyok: 'true' }) }),
      200,
    );
    assert.equal(healthStatusCode({ initialized: true, state: 'standby', query: q({ standbyok: '' }) }), 200);
    assert.equal(
      healthStatusCode({ initialized: true, state: 'standby', query: q({ standbycode: '200' }) }),
      200,
    );
    assert.equal(
      healthStatusCode({ initialized: true, state: 'active', query: q({ activecode: '204' }) }),
      204,
    );
  });
  it('rejects non-integer codes and bad booleans', () => {
    assert.throws(
      () => healthStatusCode({ initialized: true, state: 'active', query: q({ activecode: 'abc' }) }),
      /must be an integer/,
    );
    assert.throws(
      () => healthStatusCode({ initialized: true, state: 'active', query: q({ sealedcode: '9999' }) }),
      /between 100 and 599/,
    );
    assert.throws(
      () => healthStatusCode({ initialized: true, state: 'active', query: q({ standbyok: 'maybe' }) }),
      /boolean/,
    );
  });
});
