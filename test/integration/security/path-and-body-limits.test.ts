import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { leakIn, startTresor } from '../../helpers/tresor-process.js';
import type { ApiResponse, TresorProcess } from '../../helpers/tresor-process.js';

const errorsOf = (r: ApiResponse): string => JSON.stringify(r.body.errors ?? []);

/** `{"a":{"a":…1…}}` nested `depth` levels (the outermost object included). */
function nested(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

function assertRefused(r: ApiResponse, pattern: RegExp, what: string): void {
  assert.equal(r.status, 400, `${what}: ${r.status} ${r.text.slice(0, 300)}`);
  assert.match(errorsOf(r), pattern, what);
  assert.equal(leakIn(r.text), undefined, `${what}: no stack or source path in the answer`);
}

/**
 * Bad paths and bodies a client can send are refused with a 400 that names the problem, before
 * anything is stored: empty path segments (any mount, any encoding), NUL bytes, paths too long for
 * file storage, and JSON nested deeper than the parse-time limit (which would otherwise overflow
 * the stack in merge-patch or serialisation).
 */
describe('path and body limits', () => {
  let srv: TresorProcess;
  before(async () => {
    srv = await startTresor();
    assert.equal((await srv.api('POST', 'sys/mounts/kv1', { type: 'kv' })).status, 204);
    assert.equal(
      (await srv.api('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } })).status,
      204,
    );
  });
  after(async () => {
    await srv.stop();
  });

  it('refuses empty path segments on kv v1, kv v2, cubbyhole and sys, in every spelling, and stores nothing', async () => {
    for (const path of [
      'kv1/a//b',
      'kv1//a',
      'kv1/a%2F%2Fb',
      'secret/data/a//b',
      'secret/metadata/a//b',
      'cubbyhole/a//b',
      'sys/policies/acl/a//b',
      '/v1//kv1/a',
    ]) {
      const body = path.startsWith('secret/data/')
        ? { data: { k: 'v' } }
        : path.startsWith('sys/')
          ? { policy: 'path "x" { capabilities = ["read"] }' }
          : { k: 'v' };
      for (const method of ['PUT', 'POST', 'GET', 'DELETE']) {
        const r = await srv.api(method, path, method === 'PUT' || method === 'POST' ? body : undefined);
        assertRefused(r, /empty path segments/, `${method} ${path}`);
      }
    }
    assertRefused(await srv.api('LIST', 'kv1/a//'), /empty path segments/, 'LIST kv1/a//');
    assert.equal((await srv.api('LIST', 'kv1/')).status, 404, 'nothing was written to kv1/');
    assert.equal((await srv.api('LIST', 'secret/metadata/')).status, 404, 'nothing was written to secret/');
    assert.equal((await srv.api('LIST', 'cubbyhole/')).status, 404, 'nothing was written to cubbyhole/');
    assert.equal((await srv.api('GET', 'sys/policies/acl/a')).status, 404);
    // One trailing slash marks a folder and is still fine.
    assert.equal((await srv.api('PUT', 'kv1/dir/leaf', { k: 'v' })).status, 204);
    assert.equal((await srv.api('LIST', 'kv1/dir/')).status, 200);
  });

  it('refuses NUL bytes and dot segments (also percent-encoded) with a message naming them', async () => {
    assertRefused(
      await srv.api('PUT', 'kv1/a%00b', { k: 'v' }),
      /NUL bytes are not allowed/,
      'PUT kv1/a%00b',
    );
    assertRefused(
      await srv.api('PUT', 'kv1/a/%2e%2e/b', { k: 'v' }),
      /\.\..{0,2} segments are not allowed/,
      'PUT kv1/a/%2e%2e/b',
    );
    assertRefused(
      await srv.api('GET', 'cubbyhole/%2e'),
      /\.\..{0,2} segments are not allowed/,
      'GET cubbyhole/%2e',
    );
  });

  it('refuses paths too long for file storage with a 400, and reads of them find nothing', async () => {
    const longSegment = 'x'.repeat(300);
    const deepPath = 'a/'.repeat(2100) + 'b';
    for (const path of [
      `kv1/${longSegment}`,
      `secret/data/${longSegment}`,
      `cubbyhole/${longSegment}`,
      `kv1/${deepPath}`,
      `secret/data/${deepPath}`,
    ]) {
      const body = path.startsWith('secret/') ? { data: { k: 'v' } } : { k: 'v' };
      assertRefused(
        await srv.api('PUT', path, body),
        /path too long for file storage/,
        `PUT ${path.slice(0, 40)}…`,
      );
      const read = await srv.api('GET', path);
      assert.equal(read.status, 404, `GET ${path.slice(0, 40)}…: ${read.text.slice(0, 200)}`);
      assert.equal((await srv.api('DELETE', path)).status, 204, `DELETE ${path.slice(0, 40)}…`);
    }
    assert.equal((await srv.api('LIST', `kv1/${deepPath}/`)).status, 404);
  });

  it('refuses JSON nested 100,000 levels deep on kv v1, kv v2 writes, v2 PATCH and cubbyhole, naming the limit', async () => {
    assert.equal((await srv.api('PUT', 'secret/data/app', { data: { k: 'v1' } })).status, 200);
    const deep = nested(100_000);
    const cases: [string, string, string][] = [
      ['PUT', 'kv1/deep', `{"value":${deep}}`],
      ['PUT', 'secret/data/deep', `{"data":{"value":${deep}}}`],
      ['PUT', 'secret/data/app', `{"data":{"value":${deep}}}`],
      ['PATCH', 'secret/data/app', `{"data":{"value":${deep}}}`],
      ['PUT', 'cubbyhole/deep', `{"value":${deep}}`],
      ['PUT', 'kv1/deep-array', `{"value":${'['.repeat(100_000)}${']'.repeat(100_000)}}`],
    ];
    for (const [method, path, raw] of cases) {
      const headers =
        method === 'PATCH'
          ? { 'Content-Type': 'application/merge-patch+json' }
          : { 'Content-Type': 'application/json' };
      assertRefused(
        await srv.api(method, path, undefined, { raw, headers }),
        /deeper than the limit of 500 levels/,
        `${method} ${path}`,
      );
    }
    assert.equal((await srv.api('GET', 'kv1/deep')).status, 404);
    assert.equal((await srv.api('GET', 'kv1/deep-array')).status, 404);
    assert.equal((await srv.api('GET', 'cubbyhole/deep')).status, 404);
    assert.equal((await srv.api('GET', 'secret/metadata/deep')).status, 404);
    const app = await srv.api('GET', 'secret/data/app');
    assert.deepEqual(app.body.data, {
      data: { k: 'v1' },
      metadata: (app.body.data as { metadata: unknown }).metadata,
    });
    assert.equal(
      (app.body.data as { metadata: { version: number } }).metadata.version,
      1,
      'no version was added',
    );
    // Brackets inside strings do not count, and ordinary nesting well below the limit is accepted.
    assert.equal((await srv.api('PUT', 'kv1/brackets', { value: '['.repeat(100_000) })).status, 204);
    assert.equal(
      (await srv.api('PUT', 'kv1/nested', undefined, { raw: `{"value":${nested(400)}}` })).status,
      204,
    );
    const patched = await srv.api('PATCH', 'secret/data/app', undefined, {
      raw: `{"data":{"value":${nested(400)}}}`,
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    assert.equal(patched.status, 200, patched.text.slice(0, 300));
    assert.ok(srv.alive(), 'the server process is still running');
  });

  it('refuses an HCL policy nested 20,000 levels deep, naming the limit, and writes no policy', async () => {
    const policy = `path "a" ${'{ x = '.repeat(20_000)}1${' }'.repeat(20_000)}`;
    assertRefused(
      await srv.api('PUT', 'sys/policies/acl/deep', { policy }),
      /nest deeper than the limit of 500 levels/,
      'PUT sys/policies/acl/deep',
    );
    assert.equal((await srv.api('GET', 'sys/policies/acl/deep')).status, 404);
    assert.ok(srv.alive());
  });

  it('refuses integers a double cannot hold exactly (num_uses 1e308, 2^53+2) instead of storing a rounded or endless count', async () => {
    for (const raw of [
      '{"num_uses": 1e308}',
      '{"num_uses": 9007199254740994}',
      '{"num_uses": "9007199254740994"}',
    ]) {
      assertRefused(
        await srv.api('POST', 'auth/token/create', undefined, {
          raw,
          headers: { 'Content-Type': 'application/json' },
        }),
        /'num_uses' is out of range/,
        raw,
      );
    }
    assertRefused(
      await srv.api('POST', 'auth/token/create', { num_uses: 1.5 }),
      /'num_uses' must be an integer/,
      'num_uses 1.5',
    );
    const ok = await srv.api('POST', 'auth/token/create', { num_uses: 9007199254740991 });
    assert.equal(ok.status, 200, ok.text);
  });
});
