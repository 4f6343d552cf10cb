import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  cnOf,
  escapeDnValue,
  escapeFilterValue,
  parseDn,
  renderFilter,
  validateTemplate,
} from '../../../../src/builtin/credential/ldap/escape.js';
import { constructedBindDn, userSearchFilter } from '../../../../src/builtin/credential/ldap/authenticate.js';
import { DEFAULT_GROUP_FILTER, defaultConfig } from '../../../../src/builtin/credential/ldap/ldap-config.js';
import { VaultError } from '../../../../src/helper/errors.js';

describe('LDAP filter escaping (RFC 4515)', () => {
  const cases: [string, string][] = [
    ['alice', 'alice'],
    ['*', '\\2a'],
    ['*)(uid=*', '\\2a\\29\\28uid=\\2a'],
    ['alice)(|(uid=*', 'alice\\29\\28|\\28uid=\\2a'],
    ['back\\slash', 'back\\5cslash'],
    ['nul\0byte', 'nul\\00byte'],
    ['é', '\\c3\\a9'],
    ['a=b,c', 'a=b,c'],
  ];
  for (const [input, expected] of cases) {
    it(`escapes ${JSON.stringify(input)}`, () => {
      assert.equal(escapeFilterValue(input), expected);
    });
  }
});

describe('DN value escaping (RFC 4514)', () => {
  const cases: [string, string][] = [
    ['alice', 'alice'],
    ['', ''],
    ['a,b', 'a\\,b'],
    ['a+b', 'a\\+b'],
    ['x=y', 'x\\=y'],
    ['"q";<>', '\\"q\\"\\;\\<\\>'],
    ['back\\slash', 'back\\\\slash'],
    ['#lead', '\\#lead'],
    ['mid#dle', 'mid#dle'],
    [' lead', '\\ lead'],
    ['trail ', 'trail\\ '],
    [' ', '\\ '],
    ['nul\0', 'nul\\00'],
    ['*)(uid=*', '*)(uid\\=*'],
  ];
  for (const [input, expected] of cases) {
    it(`escapes ${JSON.stringify(input)}`, () => {
      assert.equal(escapeDnValue(input), expected);
    });
  }
});

describe('filter templates', () => {
  it('renders the default group filter with escaped values', () => {
    assert.equal(
      renderFilter(DEFAULT_GROUP_FILTER, { Username: 'a*', UserDN: 'uid=a*,ou=users,dc=x' }),
      '(|(memberUid=a\\2a)(member=uid=a\\2a,ou=users,dc=x)(uniqueMember=uid=a\\2a,ou=users,dc=x))',
    );
  });

  it('accepts spaces inside actions', () => {
    assert.equal(
      renderFilter('({{ .UserAttr }}={{.Username}})', { UserAttr: 'uid', Username: 'bob' }),
      '(uid=bob)',
    );
  });

  it('refuses anything but known fields', () => {
    const bad = [
      '({{.Foo}}=x)',
      '({{printf "%s" .Username}})',
      '({{.Username}}',
      '(cn={{.Username)',
      '({{}})',
    ];
    for (const template of bad) {
      assert.throws(
        () => {
          validateTemplate(template, ['Username', 'UserDN'], 'groupfilter');
        },
        (err: unknown) =>
          err instanceof VaultError && err.status === 400 && err.message.startsWith('invalid groupfilter'),
        template,
      );
    }
    validateTemplate(DEFAULT_GROUP_FILTER, ['Username', 'UserDN'], 'groupfilter');
  });

  it('builds user search filters and bind DNs injection-safely', () => {
    const cfg = { ...defaultConfig(), userattr: 'uid', userdn: 'ou=users,dc=x' };
    assert.equal(userSearchFilter(cfg, '*)(uid=*'), '(uid=\\2a\\29\\28uid=\\2a)');
    assert.equal(constructedBindDn(cfg, 'a,ou=admins'), 'uid=a\\,ou\\=admins,ou=users,dc=x');
    const upn = { ...cfg, upndomain: 'corp.example' };
    assert.equal(userSearchFilter(upn, 'bob*'), '(userPrincipalName=bob\\2a@corp.example)');
    assert.equal(constructedBindDn(upn, 'bob,x'), 'bob\\,x@corp.example');
  });
});

describe('group names from DNs', () => {
  it('parses DNs with escapes', () => {
    assert.deepEqual(parseDn('cn=devs,ou=groups,dc=x'), [
      { type: 'cn', value: 'devs' },
      { type: 'ou', value: 'groups' },
      { type: 'dc', value: 'x' },
    ]);
    assert.deepEqual(parseDn('CN=Foo\\, Bar+uid=7,OU=x'), [
      { type: 'CN', value: 'Foo, Bar' },
      { type: 'uid', value: '7' },
      { type: 'OU', value: 'x' },
    ]);
    assert.deepEqual(parseDn('cn=caf\\c3\\a9'), [{ type: 'cn', value: 'café' }]);
    assert.equal(parseDn('just a name'), undefined);
    assert.equal(parseDn(''), undefined);
  });

  it('takes the first CN, or the value itself', () => {
    assert.equal(cnOf('cn=devs,ou=groups,dc=x'), 'devs');
    assert.equal(cnOf('ou=groups,CN=Admins,dc=x'), 'Admins');
    assert.equal(cnOf('devs'), 'devs');
    assert.equal(cnOf('ou=only,dc=x'), 'ou=only,dc=x');
    assert.equal(cnOf('cn=lower,dc=x', true), 'cn=lower,dc=x');
    assert.equal(cnOf('CN=Upper,dc=x', true), 'Upper');
  });
});
