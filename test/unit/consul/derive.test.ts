import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeStateName } from '../../../src/core/node-state.js';
import {
  configuredTags,
  reservedTagsIn,
  roleTag,
  sameTags,
  sealedCheck,
  serviceTags,
} from '../../../consul/registration/derive.js';
import { apiHostPort } from '../../../consul/contract.js';
import { serviceIdentity } from '../../../consul/registration/service-identity.js';
import { checkRefreshMs, reconcileMs, retryMs } from '../../../consul/registration/timing.js';

const ALL: NodeStateName[] = ['uninitialized', 'sealed', 'standby', 'active', 'stepping-down'];

describe('registration: state → tags', () => {
  it('active → active, standby and stepping-down → standby, sealed/uninitialized → no role tag', () => {
    assert.deepEqual(
      ALL.map((s) => [s, roleTag(s)]),
      [
        ['uninitialized', undefined],
        ['sealed', undefined],
        ['standby', 'standby'],
        ['active', 'active'],
        ['stepping-down', 'standby'],
      ],
    );
  });

  it('tags = service_tags + role + initialized (when initialized)', () => {
    assert.deepEqual(serviceTags('active', ['a', 'b']), ['a', 'b', 'active', 'initialized']);
    assert.deepEqual(serviceTags('standby', []), ['standby', 'initialized']);
    assert.deepEqual(serviceTags('stepping-down', ['x']), ['x', 'standby', 'initialized']);
    assert.deepEqual(serviceTags('sealed', ['x']), ['x', 'initialized']);
    assert.deepEqual(serviceTags('uninitialized', ['x']), ['x']);
  });

  it('only the state sets active/standby/initialized: configured copies, blanks and duplicates are dropped', () => {
    assert.deepEqual(
      configuredTags([' a ', 'active', 'a', '', 'standby', 'b', 'initialized', 'performance-standby']),
      ['a', 'b'],
    );
    assert.deepEqual(reservedTagsIn(['active', 'x', 'active', 'standby']), ['active', 'standby']);
    assert.deepEqual(
      serviceTags('sealed', ['active']),
      ['initialized'],
      'a sealed node never carries active',
    );
    for (const s of ALL) {
      const tags = serviceTags(s, ['active', 'standby']);
      assert.equal(tags.includes('active'), s === 'active', `${s}: ${tags.join(',')}`);
    }
  });

  it('compares tag lists as sets of the same length', () => {
    assert.equal(sameTags(['a', 'active'], ['active', 'a']), true);
    assert.equal(sameTags(['a', 'active'], ['a', 'standby']), false);
    assert.equal(sameTags(['a'], ['a', 'a']), false);
  });
});

describe('registration: state → sealed check', () => {
  it('passing "Vault Unsealed" while unsealed, critical "Vault Sealed" while sealed or uninitialized', () => {
    assert.deepEqual(
      ALL.map((s) => [s, sealedCheck(s).status, sealedCheck(s).note]),
      [
        ['uninitialized', 'critical', 'Vault Sealed'],
        ['sealed', 'critical', 'Vault Sealed'],
        ['standby', 'passing', 'Vault Unsealed'],
        ['active', 'passing', 'Vault Unsealed'],
        ['stepping-down', 'passing', 'Vault Unsealed'],
      ],
    );
  });
});

describe('registration: identity from api_addr', () => {
  it("uses Vault's formats: <service>:<host>:<port> and <id>:vault-sealed-check", () => {
    const id = serviceIdentity('vault', 'https://10.0.0.5:8200');
    assert.deepEqual(id, {
      name: 'vault',
      serviceId: 'vault:10.0.0.5:8200',
      checkId: 'vault:10.0.0.5:8200:vault-sealed-check',
      address: '10.0.0.5',
      port: 8200,
    });
    assert.equal(
      serviceIdentity('secrets', 'http://h:1').serviceId,
      'secrets:h:1',
      'the configured name is the prefix',
    );
  });

  it('service_address overrides the host; "" is kept (the agent address)', () => {
    assert.equal(serviceIdentity('vault', 'http://127.0.0.1:8200', 'vault.example').address, 'vault.example');
    assert.equal(serviceIdentity('vault', 'http://127.0.0.1:8200', '').address, '');
    assert.equal(serviceIdentity('vault', 'http://127.0.0.1:8200', '').serviceId, 'vault:127.0.0.1:8200');
  });

  it('default ports, IPv6 hosts and bad addresses', () => {
    assert.deepEqual(apiHostPort('https://vault.example'), { host: 'vault.example', port: 443 });
    assert.deepEqual(apiHostPort('http://vault.example:80'), { host: 'vault.example', port: 80 });
    assert.deepEqual(apiHostPort('https://[::1]:8200'), { host: '::1', port: 8200 });
    assert.throws(() => apiHostPort('not a url'), /api_addr "not a url" is not a URL/);
    assert.throws(() => apiHostPort('tcp://host'), /no port/);
  });
});

describe('registration: timing', () => {
  it('refreshes the check at half the TTL minus at most 1/16 of it', () => {
    assert.equal(
      checkRefreshMs(5000, () => 0),
      2500,
    );
    assert.equal(
      checkRefreshMs(5000, () => 0.999),
      2344,
    );
    assert.equal(
      checkRefreshMs(2000, () => 0.5),
      969,
    );
    assert.equal(
      checkRefreshMs(10, () => 0),
      50,
      'never busier than every 50 ms',
    );
  });

  it('reconciles about every 60 s and backs off 250 ms → 5 s on failures', () => {
    assert.equal(
      reconcileMs(60_000, () => 0),
      60_000,
    );
    assert.ok(reconcileMs(60_000, () => 0.999) >= 60_000 - 3750);
    assert.deepEqual([1, 2, 3, 4, 5, 6, 50].map(retryMs), [250, 500, 1000, 2000, 4000, 5000, 5000]);
  });
});
