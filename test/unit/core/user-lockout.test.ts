import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage } from '../../helpers/memory-storage.js';
import { DEFAULT_LOCKOUT, UserLockout } from '../../../src/core/lockout/user-lockout.js';
import { lockoutSettings } from '../../../src/core/lockout/settings.js';

const S = { threshold: 3, duration: 60, counterReset: 30, disabled: false };

describe('user lockout', () => {
  it('locks after the threshold and unlocks after the duration', async () => {
    const l = new UserLockout(new MemoryStorage());
    const t0 = 1_000_000;
    assert.equal(await l.recordFailure('auth_userpass_1', 'bob', S, t0), false);
    assert.equal(await l.recordFailure('auth_userpass_1', 'bob', S, t0 + 1000), false);
    assert.equal(await l.isLocked('auth_userpass_1', 'bob', S, t0 + 2000), false);
    assert.equal(await l.recordFailure('auth_userpass_1', 'bob', S, t0 + 2000), true);
    assert.equal(await l.isLocked('auth_userpass_1', 'bob', S, t0 + 3000), true);
    assert.equal(
      await l.isLocked('auth_userpass_1', 'alice', S, t0 + 3000),
      false,
      'other identities are unaffected',
    );
    assert.equal(
      await l.isLocked('auth_userpass_2', 'bob', S, t0 + 3000),
      false,
      'other mounts are unaffected',
    );
    assert.equal(
      await l.isLocked('auth_userpass_1', 'bob', S, t0 + 2000 + 60_000),
      false,
      'the lock expires',
    );
    const locked = await l.locked(() => S, t0 + 3000);
    assert.deepEqual([...locked.entries()], [['auth_userpass_1', ['bob']]]);
  });

  it('resets the counter after a quiet period and on success', async () => {
    const l = new UserLockout(new MemoryStorage());
    const t0 = 5_000_000;
    await l.recordFailure('m', 'bob', S, t0);
    await l.recordFailure('m', 'bob', S, t0 + 1000);
    assert.equal(await l.recordFailure('m', 'bob', S, t0 + 1000 + 31_000), false, 'counter reset after 30 s');
    await l.recordSuccess('m', 'bob');
    assert.equal(await l.recordFailure('m', 'bob', S, t0 + 40_000), false);
    assert.equal(await l.recordFailure('m', 'bob', S, t0 + 41_000), false);
  });

  it('unlocks on request and never locks when disabled', async () => {
    const l = new UserLockout(new MemoryStorage());
    for (let i = 0; i < 3; i++) await l.recordFailure('m', 'eve', S, 100 + i);
    assert.equal(await l.isLocked('m', 'eve', S, 200), true);
    await l.unlock('m', 'eve');
    assert.equal(await l.isLocked('m', 'eve', S, 200), false);
    const off = { ...S, disabled: true };
    for (let i = 0; i < 10; i++) assert.equal(await l.recordFailure('m', 'x', off, 100 + i), false);
    assert.equal(await l.isLocked('m', 'x', off, 200), false);
  });

  it('uses Vault defaults, then server user_lockout blocks, then the mount tuning', () => {
    const base = { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false };
    assert.deepEqual(lockoutSettings({ type: 'userpass', config: base }), DEFAULT_LOCKOUT);
    const server = { all: { threshold: 9, duration: 60 }, userpass: { threshold: 4 } };
    assert.deepEqual(lockoutSettings({ type: 'userpass', config: base }, server), {
      ...DEFAULT_LOCKOUT,
      threshold: 4,
      duration: 60,
    });
    assert.deepEqual(lockoutSettings({ type: 'ldap', config: base }, server), {
      ...DEFAULT_LOCKOUT,
      threshold: 9,
      duration: 60,
    });
    const tuned = lockoutSettings(
      {
        type: 'userpass',
        config: { ...base, user_lockout_config: { lockout_threshold: 2, lockout_duration: 5 } },
      },
      server,
    );
    assert.equal(tuned.threshold, 2);
    assert.equal(tuned.duration, 5);
    assert.equal(tuned.counterReset, DEFAULT_LOCKOUT.counterReset);
  });
});
