import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FieldData } from '../../../../src/framework/field-data.js';
import {
  authDisplayName,
  defaultTokenParams,
  parseTokenFields,
  TOKEN_FIELDS,
  tokenAuth,
  tokenParamsData,
} from '../../../../src/builtin/credential/token-fields.js';
import { status } from '../../../helpers/auth-request.js';

const parse = (raw: Record<string, unknown>, current = defaultTokenParams()) =>
  parseTokenFields(new FieldData(TOKEN_FIELDS, raw), current);

describe('token fields', () => {
  it('parses every token_* field with Vault coercions', () => {
    const p = parse({
      token_policies: 'Dev, ops,dev',
      token_ttl: '1h',
      token_max_ttl: 7200,
      token_explicit_max_ttl: '3h',
      token_period: 0,
      token_num_uses: '3',
      token_bound_cidrs: ['10.0.0.0/8', '127.0.0.1'],
      token_no_default_policy: 'true',
      token_type: 'service',
    });
    assert.deepEqual(p, {
      token_policies: ['dev', 'ops'],
      token_ttl: 3600,
      token_max_ttl: 7200,
      token_explicit_max_ttl: 10800,
      token_period: 0,
      token_num_uses: 3,
      token_bound_cidrs: ['10.0.0.0/8', '127.0.0.1'],
      token_no_default_policy: true,
      token_type: 'service',
    });
    assert.deepEqual(tokenParamsData(p).token_policies, ['dev', 'ops']);
  });

  it('accepts the legacy names, the new name winning, and keeps fields not sent', () => {
    const p = parse({ policies: 'a', ttl: 60, max_ttl: 120, period: 30, bound_cidrs: '10.0.0.0/8' });
    assert.deepEqual(
      [p.token_policies, p.token_ttl, p.token_max_ttl, p.token_period, p.token_bound_cidrs],
      [['a'], 60, 120, 30, ['10.0.0.0/8']],
    );
    assert.deepEqual(parse({ policies: 'a', token_policies: 'b' }).token_policies, ['b']);
    const updated = parse({ token_ttl: 90 }, p);
    assert.deepEqual(updated.token_policies, ['a']);
    assert.equal(updated.token_ttl, 90);
  });

  it('refuses bad values with a message naming the field', () => {
    assert.throws(() => parse({ token_ttl: 'soon' }), status(400, /token_ttl/));
    assert.throws(() => parse({ token_num_uses: 'many' }), status(400, /token_num_uses/));
    assert.throws(() => parse({ token_num_uses: -1 }), status(400, /'token_num_uses' cannot be negative/));
    assert.throws(() => parse({ token_bound_cidrs: '10.0.0.0/33' }), status(400, /token_bound_cidrs/));
    assert.throws(() => parse({ token_type: 'batch' }), status(400, /token_type.*service/));
    assert.throws(() => parse({ token_type: 'weird' }), status(400, /invalid 'token_type'/));
    assert.throws(
      () => parse({ token_ttl: 100, token_max_ttl: 50 }),
      status(400, /'token_ttl' cannot be greater than 'token_max_ttl'/),
    );
    assert.throws(() => parse({ token_no_default_policy: 'maybe' }), status(400, /token_no_default_policy/));
  });

  it('turns the settings into a login auth', () => {
    const auth = tokenAuth({
      ...defaultTokenParams(),
      token_policies: ['a'],
      token_ttl: 60,
      token_max_ttl: 600,
      token_explicit_max_ttl: 300,
      token_num_uses: 2,
      token_bound_cidrs: ['10.0.0.0/8'],
    });
    assert.deepEqual(auth, {
      policies: ['a'],
      ttl: 60,
      period: 0,
      renewable: true,
      numUses: 2,
      noDefaultPolicy: false,
      maxTtl: 600,
      explicitMaxTtl: 300,
      boundCidrs: ['10.0.0.0/8'],
    });
    const periodic = tokenAuth({ ...defaultTokenParams(), token_period: 60, token_max_ttl: 120 });
    assert.equal(periodic.maxTtl, undefined, 'periodic tokens ignore token_max_ttl');
    assert.equal(tokenAuth(defaultTokenParams()).boundCidrs, undefined);
  });

  it('builds display names as Vault does', () => {
    assert.equal(authDisplayName('auth/userpass/', 'bob'), 'userpass-bob');
    assert.equal(authDisplayName('auth/approle/', ''), 'approle');
    assert.equal(authDisplayName('auth/team/a/', 'x'), 'team-a-x');
  });
});
