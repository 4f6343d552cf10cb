import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startConfiguredServer } from '../../helpers/in-process-server.js';
import type { TestServer } from '../../helpers/in-process-server.js';

const errorsOf = (body: Record<string, unknown>): string =>
  ((body.errors as string[] | undefined) ?? []).join(' | ');

/** Every endpoint of the core node, fed bad input: a clear 4xx, and nothing changes. */
describe('sys endpoints reject bad input and change nothing', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startConfiguredServer('storage "inmem" {}');
  });
  after(async () => {
    await srv.stop();
  });

  it('answers 501/503 health and sealed errors before init', async () => {
    assert.equal((await srv.api('GET', 'sys/health', undefined, '')).status, 501);
    assert.equal((await srv.api('GET', 'sys/health/live', undefined, '')).status, 200);
    const ready = await srv.api('GET', 'sys/health/ready', undefined, '');
    assert.equal(ready.status, 503);
    assert.equal(ready.body.state, 'uninitialized');
    const sealed = await srv.api('GET', 'secret/data/x', undefined, '');
    assert.equal(sealed.status, 503);
    assert.deepEqual(sealed.body, { errors: ['Vault is sealed'] });
    const unseal = await srv.api('PUT', 'sys/unseal', { key: 'abcd' }, '');
    assert.equal(unseal.status, 400);
    assert.match(errorsOf(unseal.body), /not initialized/);
  });

  const badInits: [string, unknown, RegExp][] = [
    ['no parameters', {}, /missing required parameter 'secret_shares'/],
    ['threshold missing', { secret_shares: 3 }, /missing required parameter 'secret_threshold'/],
    [
      'threshold above shares',
      { secret_shares: 3, secret_threshold: 5 },
      /cannot be larger than secret_shares/,
    ],
    ['more than 255 shares', { secret_shares: 256, secret_threshold: 3 }, /at most 255/],
    ['zero shares', { secret_shares: 0, secret_threshold: 0 }, /at least 1/],
    ['threshold 1 with several shares', { secret_shares: 5, secret_threshold: 1 }, /greater than one/],
    ['a string count', { secret_shares: '5', secret_threshold: 3 }, /'secret_shares' must be an integer/],
    ['a fractional count', { secret_shares: 5.5, secret_threshold: 3 }, /'secret_shares' must be an integer/],
    ['pgp keys', { secret_shares: 1, secret_threshold: 1, pgp_keys: ['x'] }, /'pgp_keys' is not supported/],
    ['stored shares', { secret_shares: 1, secret_threshold: 1, stored_shares: 1 }, /auto-unseal/],
  ];
  for (const [name, body, re] of badInits) {
    it(`init: ${name} → 400`, async () => {
      const res = await srv.api('PUT', 'sys/init', body, '');
      assert.equal(res.status, 400, res.text);
      assert.match(errorsOf(res.body), re);
      assert.deepEqual((await srv.api('GET', 'sys/init', undefined, '')).body, { initialized: false });
    });
  }

  it('init: malformed JSON, a JSON array, and an oversized body', async () => {
    const malformed = await srv.api('PUT', 'sys/init', '{"secret_shares": 5,', '');
    assert.equal(malformed.status, 400);
    assert.match(errorsOf(malformed.body), /failed to parse JSON input/);
    const array = await srv.api('PUT', 'sys/init', '[1,2]', '');
    assert.equal(array.status, 400);
    assert.match(errorsOf(array.body), /must be a JSON object/);
    const huge = await srv.api(
      'PUT',
      'sys/init',
      JSON.stringify({ secret_shares: 1, secret_threshold: 1, pad: 'x'.repeat(33 * 1024 * 1024) }),
      '',
    );
    assert.equal(huge.status, 413);
    assert.deepEqual((await srv.api('GET', 'sys/init', undefined, '')).body, { initialized: false });
  });

  it('init, then every unseal mistake is a 400 that keeps progress', async () => {
    const init = await srv.api('PUT', 'sys/init', { secret_shares: 3, secret_threshold: 2 }, '');
    assert.equal(init.status, 200);
    const keys = init.body.keys as string[];
    const again = await srv.api('PUT', 'sys/init', { secret_shares: 3, secret_threshold: 2 }, '');
    assert.equal(again.status, 400);
    assert.match(errorsOf(again.body), /already initialized/);

    assert.equal((await srv.api('PUT', 'sys/unseal', { key: keys[0] }, '')).body.progress, 1);
    for (const [body, re] of [
      [{}, /missing required parameter 'key'/],
      [{ key: '!!' }, /valid hex or base64/],
      [{ key: 'abcd' }, /wrong length/],
      [{ key: 42 }, /missing required parameter 'key'/],
      [{ reset: 'maybe' }, /'reset' must be a boolean/],
    ] as [unknown, RegExp][]) {
      const res = await srv.api('PUT', 'sys/unseal', body, '');
      assert.equal(res.status, 400, res.text);
      assert.match(errorsOf(res.body), re);
    }
    const status = await srv.api('GET', 'sys/seal-status', undefined, '');
    assert.equal(status.body.progress, 1, 'bad keys changed nothing');
    assert.equal(status.body.sealed, true);

    const leader = await srv.api('GET', 'sys/leader', undefined, '');
    assert.equal(leader.status, 200, 'without HA, sys/leader answers even while sealed, as Vault does');
    assert.equal(leader.body.ha_enabled, false);

    const done = await srv.api('PUT', 'sys/unseal', { key: keys[2] }, '');
    assert.equal(done.body.sealed, false);
    const reset = await srv.api('PUT', 'sys/unseal', { reset: true }, '');
    assert.equal(reset.status, 400);
    assert.match(errorsOf(reset.body), /vault is unsealed/);
    // the root token from init works; bad or missing tokens may not seal or rotate
    const root = init.body.root_token as string;
    assert.equal((await srv.api('PUT', 'sys/seal', undefined, '')).status, 403);
    const bad = await srv.api('PUT', 'sys/seal', undefined, 'hvs.notatoken');
    assert.equal(bad.status, 403);
    assert.match(errorsOf(bad.body), /invalid token/);
    assert.equal((await srv.api('PUT', 'sys/rotate', undefined, '')).status, 403);
    assert.equal((await srv.api('PUT', 'sys/rotate', undefined, root)).status, 204);
    const keyStatus = await srv.api('GET', 'sys/key-status', undefined, root);
    assert.equal((keyStatus.body.data as { term: number }).term, 2);
    assert.equal(keyStatus.body.term, 2, 'key-status data is also at the top level');
    assert.equal((await srv.api('GET', 'sys/health', undefined, '')).status, 200);
  });

  it('health: bad codes are 400, HEAD answers with the status only', async () => {
    const bad = await srv.api('GET', 'sys/health?activecode=abc', undefined, '');
    assert.equal(bad.status, 400);
    assert.match(errorsOf(bad.body), /activecode must be an integer/);
    assert.equal((await srv.api('GET', 'sys/health?activecode=299', undefined, '')).status, 299);
    const head = await fetch(`${srv.url}/v1/sys/health?sealedcode=200`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('wrong methods are 405 with an errors body; unknown paths 404', async () => {
    const del = await srv.api('DELETE', 'sys/init', undefined, '');
    assert.equal(del.status, 405);
    assert.ok(Array.isArray(del.body.errors));
    const outside = await fetch(`${srv.url}/nope`);
    assert.equal(outside.status, 404);
    assert.ok(Array.isArray(((await outside.json()) as { errors: unknown }).errors));
  });
});
