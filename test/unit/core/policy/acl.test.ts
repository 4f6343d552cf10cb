import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Acl, type AclRequest } from '../../../../src/core/policy/acl.js';
import { rootPolicy } from '../../../../src/core/policy/builtin.js';
import { parsePolicy } from '../../../../src/core/policy/parse.js';
import type { Operation } from '../../../../src/logical/types.js';

/** An ACL from HCL texts, the nth named "p<n>". */
async function aclOf(...texts: string[]): Promise<Acl> {
  return new Acl(await Promise.all(texts.map((text, i) => parsePolicy(`p${i + 1}`, text))));
}

const rule = (pattern: string, caps: string[], extra = ''): string =>
  `path "${pattern}" {\n  capabilities = ${JSON.stringify(caps)}\n${extra}}\n`;
const allowed = (acl: Acl, operation: Operation, path: string, more: Partial<AclRequest> = {}): boolean =>
  acl.allowOperation({ operation, path, ...more }).allowed;

const OPERATIONS: readonly Operation[] = ['create', 'read', 'update', 'patch', 'delete', 'list'];
const KINDS = [
  { kind: 'exact', pattern: 'secret/app', hit: 'secret/app', miss: 'secret/app2' },
  { kind: '* prefix', pattern: 'secret/app/*', hit: 'secret/app/db/password', miss: 'secret/other' },
  { kind: '+ segment', pattern: 'secret/+/db', hit: 'secret/team-a/db', miss: 'secret/team-a/db/extra' },
] as const;

describe('Acl: capability matrix', () => {
  for (const { kind, pattern, hit, miss } of KINDS) {
    for (const op of OPERATIONS) {
      it(`${op} via a ${kind} rule: allowed on a match, denied for other operations and other paths`, async () => {
        const acl = await aclOf(rule(pattern, [op]));
        assert.equal(allowed(acl, op, hit), true);
        for (const other of OPERATIONS.filter((o) => o !== op))
          assert.equal(allowed(acl, other, hit), false, `${other} must be denied`);
        assert.equal(allowed(acl, op, miss), false);
        assert.deepEqual(acl.allowOperation({ operation: op, path: hit }).grantingPolicies, ['p1']);
      });
    }

    it(`sudo via a ${kind} rule: sudo-protected requests need it`, async () => {
      const withSudo = await aclOf(rule(pattern, ['read', 'sudo']));
      const result = withSudo.allowOperation({ operation: 'read', path: hit, needsSudo: true });
      assert.equal(result.allowed, true);
      assert.equal(result.sudo, true);
      assert.equal(
        allowed(withSudo, 'update', hit, { needsSudo: true }),
        false,
        'sudo does not grant other capabilities',
      );

      const without = await aclOf(rule(pattern, ['read']));
      const refused = without.allowOperation({ operation: 'read', path: hit, needsSudo: true });
      assert.equal(refused.allowed, false);
      assert.equal(refused.sudo, false);
      assert.match(refused.reason ?? '', /sudo/);
      assert.equal(
        allowed(without, 'read', hit),
        true,
        'the same request on a path that is not sudo-protected passes',
      );
    });

    it(`deny via a ${kind} rule wins over every capability on the same pattern`, async () => {
      const all = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo'];
      for (const acl of [
        await aclOf(rule(pattern, all), rule(pattern, ['deny'])),
        await aclOf(rule(pattern, ['deny']), rule(pattern, all)),
      ]) {
        for (const op of OPERATIONS) {
          const result = acl.allowOperation({ operation: op, path: hit, needsSudo: false });
          assert.equal(result.allowed, false);
          assert.equal(result.sudo, false);
        }
        assert.deepEqual(acl.capabilities(hit), ['deny']);
      }
      const denyOnly = await aclOf(rule(pattern, ['deny']), rule('secret/*', ['read']));
      assert.equal(allowed(denyOnly, 'read', miss), true, 'deny applies to its own pattern only');
    });
  }
});

describe('Acl: precedence between overlapping rules', () => {
  it('an exact rule beats any glob, even a deny', async () => {
    const acl = await aclOf(rule('secret/*', ['deny']), rule('secret/open', ['read']));
    assert.equal(allowed(acl, 'read', 'secret/open'), true);
    assert.equal(allowed(acl, 'read', 'secret/closed'), false);
  });

  it('the longest * prefix wins', async () => {
    const acl = await aclOf(rule('secret/*', ['read']), rule('secret/admin/*', ['deny']));
    assert.equal(allowed(acl, 'read', 'secret/app'), true);
    assert.equal(allowed(acl, 'read', 'secret/admin/root'), false);
  });

  it('the rule whose first wildcard comes later wins', async () => {
    const acl = await aclOf(rule('secret/+/config', ['deny']), rule('secret/app/*', ['read']));
    assert.equal(allowed(acl, 'read', 'secret/app/config'), true, 'secret/app/* wins: its * is after the +');
    assert.equal(allowed(acl, 'read', 'secret/web/config'), false);
    const reversed = await aclOf(rule('secret/+/config', ['read']), rule('secret/*', ['deny']));
    assert.equal(allowed(reversed, 'read', 'secret/app/config'), true, 'secret/+/config wins over secret/*');
    assert.equal(allowed(reversed, 'read', 'secret/app/other'), false);
  });

  it('at the same wildcard position, a rule not ending in * wins', async () => {
    const acl = await aclOf(rule('secret/+/x', ['read']), rule('secret/+/*', ['deny']));
    assert.equal(allowed(acl, 'read', 'secret/a/x'), true);
    assert.equal(allowed(acl, 'read', 'secret/a/y'), false);
  });

  it('then fewer + segments win', async () => {
    const acl = await aclOf(rule('a/+/b/c', ['read']), rule('a/+/+/c', ['deny']));
    assert.equal(allowed(acl, 'read', 'a/x/b/c'), true);
    assert.equal(allowed(acl, 'read', 'a/x/z/c'), false);
  });

  it('then the longer pattern wins', async () => {
    const acl = await aclOf(rule('a/+/b*', ['deny']), rule('a/+/bar*', ['read']));
    assert.equal(allowed(acl, 'read', 'a/x/barn'), true);
    assert.equal(allowed(acl, 'read', 'a/x/bin'), false);
  });

  it('different patterns never merge: only the winner counts', async () => {
    const acl = await aclOf(rule('secret/*', ['read']), rule('secret/app/*', ['list']));
    assert.equal(allowed(acl, 'list', 'secret/app/x'), true);
    assert.equal(
      allowed(acl, 'read', 'secret/app/x'),
      false,
      'read from secret/* does not leak into secret/app/*',
    );
  });

  it('+ matches exactly one segment', async () => {
    const acl = await aclOf(rule('secret/+/db', ['read']));
    assert.equal(allowed(acl, 'read', 'secret/a/db'), true);
    assert.equal(allowed(acl, 'read', 'secret/a/b/db'), false);
    assert.equal(allowed(acl, 'read', 'secret/db'), false);
  });
});

describe('Acl: merging the same pattern from several policies', () => {
  it('unites capabilities and tracks which policy granted what', async () => {
    const acl = await aclOf(rule('secret/*', ['read']), rule('secret/*', ['list', 'read']));
    assert.equal(allowed(acl, 'read', 'secret/x'), true);
    assert.equal(allowed(acl, 'list', 'secret/x'), true);
    assert.equal(allowed(acl, 'update', 'secret/x'), false);
    assert.deepEqual(acl.allowOperation({ operation: 'read', path: 'secret/x' }).grantingPolicies, [
      'p1',
      'p2',
    ]);
    assert.deepEqual(acl.allowOperation({ operation: 'list', path: 'secret/x' }).grantingPolicies, ['p2']);
  });

  it('merges allowed values and lets [] (any value) absorb lists', async () => {
    const acl = await aclOf(
      rule('x', ['update'], 'allowed_parameters = { ttl = ["1h"] }\n'),
      rule('x', ['update'], 'allowed_parameters = { ttl = ["2h"], name = ["a"] }\n'),
    );
    assert.equal(allowed(acl, 'update', 'x', { data: { ttl: '1h' } }), true);
    assert.equal(allowed(acl, 'update', 'x', { data: { ttl: '2h', name: 'a' } }), true);
    assert.equal(allowed(acl, 'update', 'x', { data: { ttl: '3h' } }), false);
    const any = await aclOf(
      rule('x', ['update'], 'allowed_parameters = { ttl = ["1h"] }\n'),
      rule('x', ['update'], 'allowed_parameters = { ttl = [] }\n'),
    );
    assert.equal(allowed(any, 'update', 'x', { data: { ttl: '9h' } }), true);
  });

  it('keeps the lower wrapping TTL bounds', async () => {
    const acl = await aclOf(
      rule('x', ['read'], 'min_wrapping_ttl = 60\nmax_wrapping_ttl = 600\n'),
      rule('x', ['read'], 'min_wrapping_ttl = 30\nmax_wrapping_ttl = 300\n'),
    );
    assert.equal(allowed(acl, 'read', 'x', { wrapTtl: 45 }), true, 'min is now 30');
    assert.equal(allowed(acl, 'read', 'x', { wrapTtl: 400 }), false, 'max is now 300');
  });
});

describe('Acl: parameter constraints', () => {
  const params = 'allowed_parameters = {\n  ttl = ["1h", "2h"]\n  name = []\n  role = ["dev-*", "*-ro"]\n}\n';

  it('allows listed parameters and values only; empty data passes', async () => {
    const acl = await aclOf(rule('auth/token/create', ['update', 'create'], params));
    const ok = (data: Record<string, unknown>): boolean =>
      allowed(acl, 'update', 'auth/token/create', { data });
    assert.equal(ok({}), true);
    assert.equal(ok({ ttl: '1h', name: 'anything' }), true);
    assert.equal(ok({ TTL: '2h' }), true, 'parameter names compare case-insensitively');
    assert.equal(ok({ ttl: '3h' }), false);
    assert.equal(ok({ policies: ['root'] }), false, 'unlisted parameter');
    assert.equal(ok({ role: 'dev-web' }), true, 'suffix glob');
    assert.equal(ok({ role: 'web-ro' }), true, 'prefix glob');
    assert.equal(ok({ role: 'prod' }), false);
  });

  it('"*" allows any other parameter while listed ones stay constrained', async () => {
    const acl = await aclOf(rule('x', ['update'], 'allowed_parameters = {\n  "*" = []\n  ttl = ["1h"]\n}\n'));
    assert.equal(allowed(acl, 'update', 'x', { data: { anything: 1 } }), true);
    assert.equal(allowed(acl, 'update', 'x', { data: { ttl: '1h' } }), true);
    assert.equal(allowed(acl, 'update', 'x', { data: { ttl: '5h' } }), false);
  });

  it('denied parameters refuse the request; "*" denies any parameter', async () => {
    const acl = await aclOf(
      rule('x', ['update'], 'denied_parameters = {\n  admin = []\n  level = [1, "high"]\n}\n'),
    );
    assert.equal(allowed(acl, 'update', 'x', { data: { admin: false } }), false);
    assert.equal(allowed(acl, 'update', 'x', { data: { level: 1 } }), false);
    assert.equal(allowed(acl, 'update', 'x', { data: { level: 2 } }), true);
    assert.equal(allowed(acl, 'update', 'x', { data: { other: 'v' } }), true);
    const all = await aclOf(rule('x', ['update'], 'denied_parameters = { "*" = [] }\n'));
    assert.equal(allowed(all, 'update', 'x', { data: { a: 1 } }), false);
    assert.equal(allowed(all, 'update', 'x', { data: {} }), true, 'no parameters, nothing to deny');
  });

  it('required parameters must be present (looked up lowercased)', async () => {
    const acl = await aclOf(rule('x', ['create'], 'required_parameters = ["Name"]\n'));
    assert.equal(allowed(acl, 'create', 'x', { data: { name: 'a' } }), true);
    assert.equal(allowed(acl, 'create', 'x', { data: {} }), false);
    assert.equal(allowed(acl, 'create', 'x', { data: { other: 'a' } }), false);
  });

  it('applies to read, create, update and patch, not to delete or list', async () => {
    const acl = await aclOf(
      rule(
        'x',
        ['read', 'create', 'update', 'patch', 'delete', 'list'],
        'denied_parameters = { force = [] }\n',
      ),
    );
    for (const op of ['read', 'create', 'update', 'patch'] as const)
      assert.equal(allowed(acl, op, 'x', { data: { force: true } }), false, op);
    for (const op of ['delete', 'list'] as const)
      assert.equal(allowed(acl, op, 'x', { data: { force: true } }), true, op);
  });
});

describe('Acl: response wrapping bounds', () => {
  it('requires wrapping within [min, max] when bounds are set', async () => {
    const acl = await aclOf(rule('secret/x', ['read'], 'min_wrapping_ttl = "1m"\nmax_wrapping_ttl = "5m"\n'));
    assert.equal(allowed(acl, 'read', 'secret/x'), false, 'not wrapped');
    assert.equal(allowed(acl, 'read', 'secret/x', { wrapTtl: 30 }), false);
    assert.equal(allowed(acl, 'read', 'secret/x', { wrapTtl: 120 }), true);
    assert.equal(allowed(acl, 'read', 'secret/x', { wrapTtl: 600 }), false);
  });
});

describe('Acl: LIST and trailing slashes', () => {
  it('a LIST on secret/foo/ matches an exact rule for secret/foo', async () => {
    const acl = await aclOf(rule('secret/foo', ['list']));
    assert.equal(allowed(acl, 'list', 'secret/foo/'), true);
    assert.equal(allowed(acl, 'read', 'secret/foo/'), false, 'only LIST falls back');
  });

  it('tries the path without its trailing slash against glob and segment rules first', async () => {
    const acl = await aclOf(rule('secret/+', ['list']));
    assert.equal(allowed(acl, 'list', 'secret/foo/'), true);
    const prefix = await aclOf(rule('secret/foo/*', ['list']), rule('secret/fo*', ['deny']));
    assert.equal(allowed(prefix, 'list', 'secret/foo/'), false, 'secret/foo matches secret/fo* first');
    const own = await aclOf(rule('secret/foo/*', ['list']));
    assert.equal(allowed(own, 'list', 'secret/foo/'), true, 'then the path with its slash');
  });

  it('isList applies the fallback to other operations', async () => {
    const acl = await aclOf(rule('secret/foo', ['read']));
    assert.equal(allowed(acl, 'read', 'secret/foo/', { isList: true }), true);
  });
});

describe('Acl: root and capabilities()', () => {
  it('root allows everything, with sudo', () => {
    const acl = new Acl([rootPolicy]);
    assert.equal(acl.isRoot, true);
    const result = acl.allowOperation({
      operation: 'delete',
      path: 'sys/audit/file',
      needsSudo: true,
      data: { x: 1 },
    });
    assert.deepEqual(result, { allowed: true, sudo: true, grantingPolicies: ['root'] });
    assert.deepEqual(acl.capabilities('anything'), ['root']);
  });

  it('reports sorted capabilities, deny when nothing applies', async () => {
    const acl = await aclOf(
      rule('secret/*', ['update', 'read', 'list', 'sudo', 'create']),
      rule('secret/empty', []),
      rule('secret/data', ['patch', 'delete']),
    );
    assert.deepEqual(acl.capabilities('secret/x'), ['create', 'list', 'read', 'sudo', 'update']);
    assert.deepEqual(acl.capabilities('/secret/data'), ['delete', 'patch'], 'leading slashes are ignored');
    assert.deepEqual(acl.capabilities('secret/empty'), ['deny'], 'a matching rule without capabilities');
    assert.deepEqual(acl.capabilities('other/x'), ['deny']);
    assert.deepEqual(
      acl.capabilities('secret/data/'),
      ['delete', 'patch'],
      'LIST matching: trailing slash dropped',
    );
    assert.deepEqual((await aclOf()).capabilities('secret/x'), ['deny'], 'no policies at all');
  });

  it('explains refusals', async () => {
    const acl = await aclOf(rule('secret/*', ['read']));
    assert.match(
      acl.allowOperation({ operation: 'read', path: 'other' }).reason ?? '',
      /no policy grants access to "other"/,
    );
    assert.match(
      acl.allowOperation({ operation: 'update', path: 'secret/x' }).reason ?? '',
      /needs the "update" capability/,
    );
  });
});

describe('Acl: hasAnyAccessUnder (mount visibility)', () => {
  it('sees a mount when any non-deny rule reaches into it', async () => {
    const acl = await aclOf(
      rule('secret/data/app/*', ['read']),
      rule('kv/', ['list']),
      rule('team/+/creds', ['read']),
      rule('closed/*', ['deny']),
    );
    assert.equal(acl.hasAnyAccessUnder('secret/'), true, 'a prefix rule below the mount');
    assert.equal(acl.hasAnyAccessUnder('kv/'), true, 'a grant on the mount path itself');
    assert.equal(acl.hasAnyAccessUnder('team/'), true, 'a segment rule starting with the mount');
    assert.equal(acl.hasAnyAccessUnder('closed/'), false, 'only deny below');
    assert.equal(acl.hasAnyAccessUnder('other/'), false);
    assert.equal(new Acl([rootPolicy]).hasAnyAccessUnder('anything/'), true);
  });
});
