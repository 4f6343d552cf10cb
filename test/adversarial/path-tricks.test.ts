import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inPool } from './helpers/pool.js';
import { clientToken, leakIn, startTresor, tokenWithPolicy } from '../helpers/tresor-process.js';
import type { ApiResponse, TresorProcess } from '../helpers/tresor-process.js';

/** Ways to write "go up one segment". */
const UP = [
  '..',
  '%2e%2e',
  '%2E%2E',
  '.%2e',
  '%2e.',
  '%252e%252e',
  '%c0%ae%c0%ae',
  '%e2%80%a5',
  '%ef%bc%8e%ef%bc%8e',
  '..%00',
  '..;',
];
/** Ways to write "/". */
const SEP = ['/', '//', '%2f', '%2F', '%5c', '\\', '%252f', '/./'];

/** A path the limited token must never reach, the prefix it may use, and text only a successful read shows. */
interface Target {
  readonly path: string;
  readonly allowed: string;
  readonly marker: string;
}

/** Every spelling of `target` an attacker might try, starting from the allowed prefix where it helps. */
function tricks({ path, allowed }: Target): string[] {
  const segs = path.split('/');
  const depth = allowed.split('/').filter((s) => s !== '').length;
  const out = new Set<string>([
    path,
    `${path}/`,
    `${path}//`,
    `/${path}`,
    segs.join('//'),
    segs.join('/./'),
    segs.join('%2f'),
    segs.join('%2F'),
    `${path}%00`,
    `${path}%00.json`,
    `${path}%20`,
    `${path}?list=false`,
    `${path}#`,
    path.toUpperCase(),
    `${(segs[0] ?? '').toUpperCase()}/${segs.slice(1).join('/')}`,
    segs.map((s, i) => (i === segs.length - 2 ? s.toUpperCase() : s)).join('/'),
    segs.map((s) => s.replace(/^./, (c) => `%${c.charCodeAt(0).toString(16)}`)).join('/'),
    segs.map((s) => s.replace(/e/g, '%EF%BD%85')).join('/'),
    `${allowed}x/../../${segs.at(-2) ?? ''}/${segs.at(-1) ?? ''}`,
    `${allowed}${'a/'.repeat(2000)}${'../'.repeat(2000 + depth)}${path}`,
    `${allowed}${'b'.repeat(100_000)}/../${'../'.repeat(depth)}${path}`,
  ]);
  for (const up of UP) for (const sep of SEP) out.add(`${allowed}${`${up}${sep}`.repeat(depth)}${path}`);
  for (const up of UP) out.add(`${allowed}x%00/${`${up}/`.repeat(depth + 1)}${path}`);
  return [...out];
}

/**
 * A policy that grants only `secret/data/allowed/*` (and `kv1/allowed/*`) must never let any
 * spelling of a denied path read or write it: kv v1, kv v2, another token's cubbyhole, sys and
 * auth paths. Every trick is sent with GET, LIST and a write; none may answer 5xx or leak.
 */
describe('adversarial: path tricks never cross a policy boundary', () => {
  let t: TresorProcess;
  let limited: string;
  const targets: Target[] = [];

  before(async () => {
    t = await startTresor({ maxSockets: 6 });
    const ok = (r: ApiResponse): void => {
      assert.ok(r.status < 300, `${r.status} ${r.text}`);
    };
    ok(await t.api('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } }));
    ok(await t.api('POST', 'sys/mounts/kv1', { type: 'kv', options: { version: '1' } }));
    ok(await t.api('POST', 'sys/auth/userpass', { type: 'userpass' }));
    ok(await t.api('POST', 'secret/data/denied/x', { data: { v: 'DENIED-KV2-VALUE' } }));
    ok(await t.api('POST', 'secret/data/allowed/x', { data: { v: 'allowed-kv2' } }));
    ok(await t.api('POST', 'kv1/denied/x', { v: 'DENIED-KV1-VALUE' }));
    ok(await t.api('POST', 'kv1/allowed/x', { v: 'allowed-kv1' }));
    ok(await t.api('POST', 'cubbyhole/denied/x', { v: 'DENIED-CUBBY-VALUE' }));
    ok(
      await t.api('POST', 'auth/userpass/users/bob', {
        password: 'bob-password-adv',
        token_policies: ['bob-policy-marker'],
      }),
    );
    ok(
      await t.api('PUT', 'sys/policies/acl/hidden', {
        policy: 'path "hidden-policy-marker/*" { capabilities = ["read"] }',
      }),
    );
    const mounts = await t.api('GET', 'sys/mounts');
    const kvAccessor = (mounts.body.data as Record<string, { accessor: string }>)['kv1/']?.accessor ?? '';
    assert.ok(kvAccessor.length > 4);
    const rootAccessor = ((await t.api('GET', 'auth/token/lookup-self')).body.data as { accessor: string })
      .accessor;
    limited = await tokenWithPolicy(
      t,
      'allowed-only',
      'path "secret/data/allowed/*" { capabilities = ["create", "read", "update", "list"] }\npath "kv1/allowed/*" { capabilities = ["create", "read", "update", "list"] }',
    );
    targets.push(
      { path: 'secret/data/denied/x', allowed: 'secret/data/allowed/', marker: 'DENIED-KV2-VALUE' },
      { path: 'secret/metadata/denied/x', allowed: 'secret/data/allowed/', marker: '"versions"' },
      { path: 'kv1/denied/x', allowed: 'kv1/allowed/', marker: 'DENIED-KV1-VALUE' },
      { path: 'cubbyhole/denied/x', allowed: 'secret/data/allowed/', marker: 'DENIED-CUBBY-VALUE' },
      { path: 'sys/mounts', allowed: 'secret/data/allowed/', marker: kvAccessor },
      { path: 'sys/policies/acl/hidden', allowed: 'kv1/allowed/', marker: 'hidden-policy-marker' },
      { path: 'auth/userpass/users/bob', allowed: 'secret/data/allowed/', marker: 'bob-policy-marker' },
      { path: 'auth/token/accessors', allowed: 'kv1/allowed/', marker: rootAccessor },
    );
  });
  after(async () => {
    await t.stop();
  });

  it('the limited token reads what it is granted (the policy works)', async () => {
    assert.match(
      (await t.api('GET', 'secret/data/allowed/x', undefined, { token: limited })).text,
      /allowed-kv2/,
    );
    assert.match((await t.api('GET', 'kv1/allowed/x', undefined, { token: limited })).text, /allowed-kv1/);
    assert.equal((await t.api('GET', 'secret/data/denied/x', undefined, { token: limited })).status, 403);
  });

  it('no spelling of a denied path is read, listed or written; no 5xx, no stack trace', async () => {
    const jobs: { method: string; path: string; target: Target }[] = [];
    for (const target of targets) {
      for (const p of tricks(target)) {
        jobs.push(
          { method: 'GET', path: p, target },
          { method: 'LIST', path: p, target },
          { method: 'POST', path: p, target },
        );
      }
    }
    const failures: string[] = [];
    const closed: string[] = [];
    await inPool(jobs, 6, async ({ method, path, target }) => {
      const body = path.includes('secret/data')
        ? { data: { v: 'overwritten' } }
        : { v: 'overwritten', policy: 'path "*" { capabilities = ["sudo"] }' };
      let r: ApiResponse;
      try {
        r = await t.api(method, `/v1/${path}`, method === 'POST' ? body : undefined, { token: limited });
      } catch (err) {
        // a closed connection is an acceptable answer (Node closes after a 431 on a huge target)
        closed.push(`${method} ${path.slice(0, 60)}… (${path.length} bytes): ${(err as Error).message}`);
        return;
      }
      const shown = `${method} /v1/${path.slice(0, 120)} → ${r.status} ${r.text.slice(0, 200)}`;
      if (r.status >= 500) failures.push(`5xx: ${shown}`);
      if (r.text.includes(target.marker)) failures.push(`leak of ${target.path}: ${shown}`);
      if (leakIn(r.text) !== undefined) failures.push(`internals: ${shown}`);
    });
    assert.deepEqual(failures, [], `${jobs.length} requests`);
    assert.ok(
      closed.every((c) => / \((\d{5,}) bytes\)/.test(c)),
      `only huge targets may close the connection:\n${closed.join('\n')}`,
    );
    assert.ok(t.alive());
  });

  it('nothing outside the allowed prefixes changed', async () => {
    const kv2 = await t.api('GET', 'secret/data/denied/x');
    assert.deepEqual((kv2.body.data as { data: unknown; metadata: { version: number } }).data, {
      v: 'DENIED-KV2-VALUE',
    });
    assert.equal((kv2.body.data as { metadata: { version: number } }).metadata.version, 1);
    assert.deepEqual((await t.api('GET', 'kv1/denied/x')).body.data, { v: 'DENIED-KV1-VALUE' });
    assert.deepEqual((await t.api('GET', 'cubbyhole/denied/x')).body.data, { v: 'DENIED-CUBBY-VALUE' });
    assert.deepEqual(((await t.api('LIST', 'secret/metadata/')).body.data as { keys: string[] }).keys, [
      'allowed/',
      'denied/',
    ]);
    assert.deepEqual(((await t.api('LIST', 'kv1/')).body.data as { keys: string[] }).keys, [
      'allowed/',
      'denied/',
    ]);
    assert.deepEqual(
      ((await t.api('LIST', 'secret/metadata/denied/')).body.data as { keys: string[] }).keys,
      ['x'],
    );
    assert.deepEqual(((await t.api('LIST', 'kv1/denied/')).body.data as { keys: string[] }).keys, ['x']);
    assert.match((await t.api('GET', 'sys/policies/acl/hidden')).text, /hidden-policy-marker/);
    assert.deepEqual(((await t.api('LIST', 'cubbyhole/')).body.data as { keys: string[] }).keys, ['denied/']);
    const policies = ((await t.api('LIST', 'sys/policies/acl')).body.data as { keys: string[] }).keys;
    assert.deepEqual(policies.sort(), ['allowed-only', 'default', 'hidden', 'root']);
    const bob = await t.api('GET', 'auth/userpass/users/bob');
    assert.deepEqual((bob.body.data as { token_policies: string[] }).token_policies, ['bob-policy-marker']);
    const login = await t.api(
      'POST',
      'auth/userpass/login/bob',
      { password: 'bob-password-adv' },
      { token: '' },
    );
    assert.ok(clientToken(login).length > 0, 'bob still logs in with his own password');
  });
});
