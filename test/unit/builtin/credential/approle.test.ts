import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { appRoleFactory } from '../../../../src/builtin/credential/approle/index.js';
import { request } from '../../../helpers/engine-request.js';
import { authHarness, status } from '../../../helpers/auth-request.js';
import type { AuthCall } from '../../../helpers/auth-request.js';

const setup = () => authHarness(appRoleFactory, 'auth/approle/');

async function roleId(call: AuthCall, role: string): Promise<string> {
  return (await call('read', `role/${role}/role-id`))?.data?.role_id as string;
}

async function secretId(
  call: AuthCall,
  role: string,
  data: Record<string, unknown> = {},
): Promise<{ secret_id: string; secret_id_accessor: string }> {
  return (await call('update', `role/${role}/secret-id`, data))?.data as {
    secret_id: string;
    secret_id_accessor: string;
  };
}

const INVALID = /^invalid role or secret ID$/;

describe('approle', () => {
  it('manages roles with Vault defaults and lists them', async () => {
    const { call } = await setup();
    assert.equal(
      await call('create', 'role/Web', { token_policies: 'web', secret_id_ttl: '10m', token_ttl: 300 }),
      undefined,
    );
    const read = await call('read', 'role/web');
    assert.deepEqual(read?.data, {
      bind_secret_id: true,
      secret_id_bound_cidrs: [],
      secret_id_num_uses: 0,
      secret_id_ttl: 600,
      local_secret_ids: false,
      token_bound_cidrs: [],
      token_explicit_max_ttl: 0,
      token_max_ttl: 0,
      token_no_default_policy: false,
      token_num_uses: 0,
      token_period: 0,
      token_policies: ['web'],
      token_ttl: 300,
      token_type: 'default',
      policies: ['web'],
    });
    await call('create', 'role/db', {
      bind_secret_id: false,
      secret_id_bound_cidrs: '10.0.0.0/8',
      period: '1h',
    });
    assert.equal((await call('read', 'role/db'))?.data?.token_period, 3600);
    assert.deepEqual((await call('list', 'role/'))?.data, { keys: ['db', 'web'] });
    // an update keeps what was not sent
    await call('update', 'role/web', { secret_id_num_uses: 3 });
    assert.equal((await call('read', 'role/web'))?.data?.secret_id_ttl, 600);
    await call('delete', 'role/db');
    assert.equal(await call('read', 'role/db'), undefined);
  });

  it('generates UUID role IDs, accepts custom ones, and refuses one already in use', async () => {
    const { call } = await setup();
    await call('create', 'role/a', {});
    await call('create', 'role/b', { role_id: 'custom-b' });
    assert.match(await roleId(call, 'a'), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(await roleId(call, 'b'), 'custom-b');
    await call('update', 'role/a/role-id', { role_id: 'custom-a' });
    assert.equal(await roleId(call, 'a'), 'custom-a');
    await assert.rejects(
      call('update', 'role/a/role-id', { role_id: 'custom-b' }),
      status(400, /role_id already in use/),
    );
    await assert.rejects(call('update', 'role/a/role-id', {}), status(400, /missing role_id/));
    await assert.rejects(call('update', 'role/zzz/role-id', { role_id: 'q' }), status(400, /does not exist/));
    // the old role ID no longer logs in, the new one does
    const { secret_id } = await secretId(call, 'a');
    await assert.rejects(call('update', 'login', { role_id: 'custom-b', secret_id }), status(400, INVALID));
    assert.ok((await call('update', 'login', { role_id: 'custom-a', secret_id }))?.auth);
  });

  it('logs in with role ID and secret ID: policies, metadata and token settings', async () => {
    const { call } = await setup();
    await call('create', 'role/app', {
      token_policies: 'app',
      token_ttl: '20m',
      token_max_ttl: '30m',
      token_bound_cidrs: '127.0.0.1/32',
    });
    const sid = await secretId(call, 'app', { metadata: JSON.stringify({ team: 'payments' }) });
    const resp = await call('update', 'login', {
      role_id: await roleId(call, 'app'),
      secret_id: sid.secret_id,
    });
    assert.deepEqual(resp?.auth, {
      policies: ['app'],
      ttl: 1200,
      period: 0,
      renewable: true,
      numUses: 0,
      noDefaultPolicy: false,
      maxTtl: 1800,
      boundCidrs: ['127.0.0.1/32'],
      metadata: { team: 'payments', role_name: 'app' },
      displayName: 'approle',
      internalData: { role_name: 'app' },
    });
  });

  it('spends a use-limited secret ID exactly once, even under concurrent logins', async () => {
    const { call } = await setup();
    await call('create', 'role/once', {});
    const rid = await roleId(call, 'once');
    const one = await secretId(call, 'once', { num_uses: 1 });
    assert.ok((await call('update', 'login', { role_id: rid, secret_id: one.secret_id }))?.auth);
    await assert.rejects(
      call('update', 'login', { role_id: rid, secret_id: one.secret_id }),
      status(400, INVALID),
    );
    assert.equal(
      await call('update', 'role/once/secret-id/lookup', { secret_id: one.secret_id }),
      undefined,
      'gone after its last use',
    );

    const three = await secretId(call, 'once', { num_uses: 3 });
    const attempts = await Promise.allSettled(
      Array.from({ length: 12 }, () => call('update', 'login', { role_id: rid, secret_id: three.secret_id })),
    );
    assert.equal(attempts.filter((a) => a.status === 'fulfilled').length, 3);
    assert.equal(attempts.filter((a) => a.status === 'rejected').length, 9);

    const two = await secretId(call, 'once', { num_uses: 2 });
    await call('update', 'login', { role_id: rid, secret_id: two.secret_id });
    assert.equal(
      (await call('update', 'role/once/secret-id/lookup', { secret_id: two.secret_id }))?.data
        ?.secret_id_num_uses,
      1,
    );
  });

  it('refuses expired secret IDs', async () => {
    const { call } = await setup();
    await call('create', 'role/short', { secret_id_ttl: '1s' });
    const rid = await roleId(call, 'short');
    const sid = await secretId(call, 'short');
    const lookup = await call('update', 'role/short/secret-id/lookup', { secret_id: sid.secret_id });
    assert.equal(lookup?.data?.secret_id_ttl, 1);
    assert.notEqual(lookup.data.expiration_time, '0001-01-01T00:00:00Z');
    await sleep(1100);
    await assert.rejects(
      call('update', 'login', { role_id: rid, secret_id: sid.secret_id }),
      status(400, INVALID),
    );
    assert.equal(
      await call('update', 'role/short/secret-id/lookup', { secret_id: sid.secret_id }),
      undefined,
    );
    assert.equal(await call('list', 'role/short/secret-id/'), undefined);
  });

  it('checks the caller against cidr_list and secret_id_bound_cidrs before spending a use', async () => {
    const { call } = await setup();
    await call('create', 'role/net', { secret_id_bound_cidrs: '10.0.0.0/8,127.0.0.0/8' });
    const rid = await roleId(call, 'net');
    const sid = await secretId(call, 'net', { cidr_list: '10.1.0.0/16', num_uses: 1 });
    await assert.rejects(
      call('update', 'login', { role_id: rid, secret_id: sid.secret_id }, '127.0.0.1'),
      status(400, /unauthorized by CIDR restrictions on the secret ID/),
    );
    assert.equal(
      (await call('update', 'role/net/secret-id/lookup', { secret_id: sid.secret_id }))?.data
        ?.secret_id_num_uses,
      1,
      'no use spent',
    );
    assert.ok((await call('update', 'login', { role_id: rid, secret_id: sid.secret_id }, '10.1.2.3'))?.auth);
    // the role's own bound CIDRs apply too
    const other = await secretId(call, 'net');
    await assert.rejects(
      call('update', 'login', { role_id: rid, secret_id: other.secret_id }, '192.168.1.1'),
      status(400, /CIDR restrictions on the role/),
    );
    // cidr_list must lie inside the role's blocks
    await assert.rejects(secretId(call, 'net', { cidr_list: '192.168.0.0/16' }), status(400, /cidr_list/));
    await assert.rejects(secretId(call, 'net', { cidr_list: 'garbage' }), status(400, /cidr_list/));
  });

  it('passes token_bound_cidrs of the role, or of the secret ID, to the token', async () => {
    const { call } = await setup();
    await call('create', 'role/tb', { token_bound_cidrs: '10.0.0.0/8' });
    const rid = await roleId(call, 'tb');
    const plain = await secretId(call, 'tb');
    assert.deepEqual(
      (await call('update', 'login', { role_id: rid, secret_id: plain.secret_id }))?.auth?.boundCidrs,
      ['10.0.0.0/8'],
    );
    const narrow = await secretId(call, 'tb', { token_bound_cidrs: '10.1.0.0/16' });
    assert.deepEqual(
      (await call('update', 'login', { role_id: rid, secret_id: narrow.secret_id }))?.auth?.boundCidrs,
      ['10.1.0.0/16'],
    );
    await assert.rejects(
      secretId(call, 'tb', { token_bound_cidrs: '11.0.0.0/8' }),
      status(400, /token_bound_cidrs/),
    );
  });

  it('logs in without a secret ID when bind_secret_id is off, within the bound CIDRs', async () => {
    const { call } = await setup();
    await assert.rejects(
      call('create', 'role/open', { bind_secret_id: false }),
      status(400, /at least one constraint/),
    );
    await call('create', 'role/open', { bind_secret_id: false, secret_id_bound_cidrs: '127.0.0.1/32' });
    const rid = await roleId(call, 'open');
    assert.ok((await call('update', 'login', { role_id: rid }))?.auth);
    await assert.rejects(
      call('update', 'login', { role_id: rid }, '10.0.0.1'),
      status(400, /CIDR restrictions on the role/),
    );
    await assert.rejects(call('update', 'role/open/secret-id', {}), status(400, /bind_secret_id is not set/));
  });

  it('looks up, lists and destroys secret IDs by value and by accessor', async () => {
    const { call } = await setup();
    await call('create', 'role/r', {});
    const a = await secretId(call, 'r', { metadata: '{"k":"v"}', cidr_list: ['127.0.0.1/32'] });
    const b = await secretId(call, 'r');
    assert.deepEqual(
      (await call('list', 'role/r/secret-id/'))?.data?.keys,
      [a.secret_id_accessor, b.secret_id_accessor].sort(),
    );
    const byAccessor = await call('update', 'role/r/secret-id-accessor/lookup', {
      secret_id_accessor: a.secret_id_accessor,
    });
    assert.deepEqual(byAccessor?.data?.metadata, { k: 'v' });
    assert.deepEqual(byAccessor.data.cidr_list, ['127.0.0.1/32']);
    assert.equal(byAccessor.data.expiration_time, '0001-01-01T00:00:00Z');
    assert.equal(
      JSON.stringify(byAccessor.data).includes(a.secret_id),
      false,
      'a lookup never shows the secret ID',
    );
    await assert.rejects(
      call('update', 'role/r/secret-id-accessor/lookup', { secret_id_accessor: 'nope' }),
      status(404, /failed to find accessor/),
    );
    await call('update', 'role/r/secret-id-accessor/destroy', { secret_id_accessor: a.secret_id_accessor });
    await call('update', 'role/r/secret-id/destroy', { secret_id: b.secret_id });
    assert.equal(await call('list', 'role/r/secret-id/'), undefined);
    await assert.rejects(
      call('update', 'role/r/secret-id-accessor/destroy', { secret_id_accessor: a.secret_id_accessor }),
      status(400, /failed to find accessor/),
    );
    await assert.rejects(call('update', 'role/r/secret-id/lookup', {}), status(400, /missing secret_id/));
    await assert.rejects(
      call('update', 'role/nope/secret-id/lookup', { secret_id: 'x' }),
      status(400, /does not exist/),
    );
    await assert.rejects(call('update', 'role/nope/secret-id', {}), status(404, /does not exist/));
  });

  it('registers custom secret IDs and limits num_uses and ttl to the role', async () => {
    const { call } = await setup();
    await call('create', 'role/lim', { secret_id_num_uses: 2, secret_id_ttl: 60 });
    const rid = await roleId(call, 'lim');
    const custom = await call('update', 'role/lim/custom-secret-id', {
      secret_id: 'my-own-secret',
      ttl: 30,
      num_uses: 1,
    });
    assert.deepEqual(
      { ...custom?.data, secret_id_accessor: 'x' },
      { secret_id: 'my-own-secret', secret_id_accessor: 'x', secret_id_ttl: 30, secret_id_num_uses: 1 },
    );
    await assert.rejects(
      call('update', 'role/lim/custom-secret-id', { secret_id: 'my-own-secret' }),
      status(400, /already registered/),
    );
    await assert.rejects(call('update', 'role/lim/custom-secret-id', {}), status(400, /missing secret_id/));
    assert.ok((await call('update', 'login', { role_id: rid, secret_id: 'my-own-secret' }))?.auth);
    await assert.rejects(secretId(call, 'lim', { num_uses: 3 }), status(400, /num_uses cannot be higher/));
    await assert.rejects(secretId(call, 'lim', { num_uses: 0 }), status(400, /num_uses cannot be higher/));
    await assert.rejects(secretId(call, 'lim', { num_uses: -1 }), status(400, /num_uses cannot be negative/));
    await assert.rejects(secretId(call, 'lim', { ttl: '2m' }), status(400, /ttl cannot be longer/));
    await assert.rejects(secretId(call, 'lim', { metadata: '{"n":1}' }), status(400, /metadata/));
    await assert.rejects(secretId(call, 'lim', { metadata: 'not json' }), status(400, /metadata/));
    const defaults = (await call('update', 'role/lim/secret-id', {}))?.data;
    assert.deepEqual([defaults?.secret_id_num_uses, defaults?.secret_id_ttl], [2, 60]);
  });

  it('caps secret ID lifetimes at the mount max TTL', async () => {
    const { call } = await authHarness(appRoleFactory, 'auth/approle/', 120);
    await call('create', 'role/cap', { secret_id_ttl: '1h' });
    assert.equal((await call('update', 'role/cap/secret-id', {}))?.data?.secret_id_ttl, 120);
  });

  it('refuses every credential failure with the same message', async () => {
    const { call } = await setup();
    await call('create', 'role/x', {});
    const rid = await roleId(call, 'x');
    await call('create', 'role/y', {});
    const ySecret = await secretId(call, 'y');
    await assert.rejects(call('update', 'login', {}), status(400, /missing role_id/));
    await assert.rejects(call('update', 'login', { role_id: rid }), status(400, /missing secret_id/));
    await assert.rejects(
      call('update', 'login', { role_id: 'unknown', secret_id: 'x' }),
      status(400, INVALID),
    );
    await assert.rejects(call('update', 'login', { role_id: rid, secret_id: 'wrong' }), status(400, INVALID));
    await assert.rejects(
      call('update', 'login', { role_id: rid, secret_id: ySecret.secret_id }),
      status(400, INVALID),
      "another role's secret ID",
    );
    await assert.rejects(
      call('update', 'login', { role_id: ['x'] }),
      status(400, /'role_id' must be a string/),
    );
  });

  it('deletes a role with its secret IDs; tidy removes what has expired', async () => {
    const { call, storage } = await setup();
    await call('create', 'role/gone', {});
    const rid = await roleId(call, 'gone');
    const sid = await secretId(call, 'gone');
    await call('delete', 'role/gone');
    await call('create', 'role/gone', { role_id: rid });
    await assert.rejects(
      call('update', 'login', { role_id: rid, secret_id: sid.secret_id }),
      status(400, INVALID),
    );
    await call('create', 'role/t', { secret_id_ttl: 1 });
    await secretId(call, 't');
    await sleep(1100);
    await call('update', 'tidy/secret-id', {});
    assert.deepEqual(
      [...storage.data.keys()].filter((k) => k.startsWith('secret_id/') || k.startsWith('accessor/')),
      [],
    );
  });

  it('never revives the secret IDs of a deleted role, even ones a race left behind', async () => {
    const { call, storage } = await setup();
    await call('create', 'role/phoenix', { role_id: 'phoenix-id' });
    const old = await secretId(call, 'phoenix');
    // simulate a secret ID issued while the role was being deleted: the role goes, its secret ID stays
    storage.data.delete('role/phoenix');
    await call('create', 'role/phoenix', { role_id: 'phoenix-id' });
    await assert.rejects(
      call('update', 'login', { role_id: 'phoenix-id', secret_id: old.secret_id }),
      status(400, INVALID),
    );
    const fresh = await secretId(call, 'phoenix');
    await call('update', 'tidy/secret-id', {});
    assert.equal(
      [...storage.data.keys()].filter((k) => k.startsWith('secret_id/')).length,
      1,
      'only the live role’s secret ID is left',
    );
    assert.equal([...storage.data.keys()].filter((k) => k.startsWith('accessor/')).length, 1);
    assert.ok((await call('update', 'login', { role_id: 'phoenix-id', secret_id: fresh.secret_id }))?.auth);
  });

  it('keeps role IDs and secret IDs out of storage keys, and secret IDs out of storage entirely', async () => {
    const { call, dump } = await setup();
    await call('create', 'role/s', { role_id: 'role-id-value' });
    const a = await secretId(call, 's');
    await call('update', 'role/s/custom-secret-id', { secret_id: 'custom-secret-value' });
    const stored = dump();
    assert.equal(stored.includes(a.secret_id), false);
    assert.equal(stored.includes('custom-secret-value'), false);
    assert.equal(stored.includes(a.secret_id_accessor + '='), false, 'accessor index keyed by HMAC');
    const keys = stored.split('\n').map((l) => l.slice(0, l.indexOf('=')));
    assert.equal(
      keys.some((k) => k.includes('role-id-value')),
      false,
    );
    assert.ok(keys.includes('salt'));
  });

  it('refuses malformed roles with a 400 naming the field, and stores nothing', async () => {
    const { call, storage } = await setup();
    await assert.rejects(
      call('create', 'role/bad', { secret_id_num_uses: 'lots' }),
      status(400, /secret_id_num_uses/),
    );
    await assert.rejects(
      call('create', 'role/bad', { secret_id_num_uses: -2 }),
      status(400, /secret_id_num_uses cannot be negative/),
    );
    await assert.rejects(
      call('create', 'role/bad', { secret_id_ttl: '5 minutes' }),
      status(400, /secret_id_ttl/),
    );
    await assert.rejects(
      call('create', 'role/bad', { secret_id_bound_cidrs: '300.0.0.0/8' }),
      status(400, /secret_id_bound_cidrs/),
    );
    await assert.rejects(
      call('create', 'role/bad', { bind_secret_id: 'perhaps' }),
      status(400, /bind_secret_id/),
    );
    await assert.rejects(call('create', 'role/bad', { token_period: '9999h' }), status(400, /token_period/));
    await assert.rejects(call('create', 'role/a..b', {}), status(400, /invalid role_name/));
    await assert.rejects(call('create', 'role/.hidden', {}), status(400, /invalid role_name/));
    await assert.rejects(call('create', 'role/x/y/z', {}), status(404));
    assert.deepEqual(
      [...storage.data.keys()].filter((k) => k !== 'salt'),
      [],
    );
    await call('create', 'role/good', {});
    await assert.rejects(
      call('update', 'role/good', { local_secret_ids: true }),
      status(400, /local_secret_ids/),
    );
  });

  it('reports the role_id of login requests for lockout', async () => {
    const { backend, storage } = await setup();
    const id = (path: string, data: Record<string, unknown>) =>
      backend.loginIdentifier?.(
        request({ operation: 'update', path, storage, mountPoint: 'auth/approle/', data }),
      );
    assert.equal(await id('login', { role_id: ' abc ', secret_id: 's' }), 'abc');
    assert.equal(await id('login', {}), undefined);
    assert.equal(await id('role/x/secret-id', { role_id: 'abc' }), undefined);
  });
});
