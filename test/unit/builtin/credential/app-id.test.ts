import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appIdFactory } from '../../../../src/builtin/credential/app-id/index.js';
import { authHarness, status } from '../../../helpers/auth-request.js';

const setup = () => authHarness(appIdFactory, 'auth/app-id/');
const sha1 = (s: string): string => `sha1:${createHash('sha1').update(s).digest('hex')}`;
const APP = 'b8a3c1d2-0000-4c1e-9f00-app000000001';
const USER = createHash('sha1').update('00:16:3e:12:34:56').digest('hex');
const INVALID = /^invalid user ID or app ID$/;

describe('app-id (legacy)', () => {
  it('maps ids, reads them back, and lists only HMACs', async () => {
    const { call } = await setup();
    assert.equal(
      await call('create', `map/app-id/${APP}`, { value: 'web, db', display_name: 'billing' }),
      undefined,
    );
    await call('create', `map/user-id/${USER}`, { value: APP, cidr_block: '127.0.0.0/8' });
    assert.deepEqual((await call('read', `map/app-id/${APP}`))?.data, {
      value: 'web, db',
      display_name: 'billing',
    });
    assert.deepEqual(
      (await call('read', `map/user-id/${USER.toUpperCase()}`))?.data,
      { value: APP, cidr_block: '127.0.0.0/8' },
      'ids are case-insensitive',
    );
    const keys = (await call('list', 'map/app-id/'))?.data?.keys as string[];
    assert.equal(keys.length, 1);
    assert.match(keys[0] ?? '', /^[0-9a-f]{64}$/);
    assert.notEqual(keys[0], APP);
    assert.deepEqual((await call('read', 'map/user-id'))?.data, (await call('list', 'map/user-id/'))?.data);
    await call('delete', `map/app-id/${APP}`);
    assert.equal(await call('read', `map/app-id/${APP}`), undefined);
    assert.equal(await call('list', 'map/app-id/'), undefined);
  });

  it('logs in with both ids: policies of the app, sha1 metadata, renewable, display name', async () => {
    const { call } = await setup();
    await call('create', `map/app-id/${APP}`, { value: 'web,db', display_name: 'billing' });
    await call('create', `map/user-id/${USER}`, { value: `other-app, ${APP}` });
    for (const [path, data] of [
      ['login', { app_id: APP, user_id: USER }],
      [`login/${APP}`, { user_id: USER }],
    ] as const) {
      const resp = await call('update', path, data);
      assert.deepEqual(resp?.auth, {
        policies: ['db', 'web'],
        renewable: true,
        metadata: { 'app-id': sha1(APP), 'user-id': sha1(USER) },
        displayName: 'app-id-billing',
      });
    }
  });

  it('adds the policies of the "default" app mapping to every login', async () => {
    const { call } = await setup();
    await call('create', 'map/app-id/default', { value: 'base' });
    await call('create', `map/app-id/${APP}`, { value: 'web' });
    await call('create', `map/user-id/${USER}`, { value: APP });
    assert.deepEqual((await call('update', 'login', { app_id: APP, user_id: USER }))?.auth?.policies, [
      'base',
      'web',
    ]);
  });

  it('enforces the user mapping cidr_block', async () => {
    const { call } = await setup();
    await call('create', `map/app-id/${APP}`, { value: 'web' });
    await call('create', `map/user-id/${USER}`, { value: APP, cidr_block: '127.0.0.1/32' });
    assert.ok((await call('update', 'login', { app_id: APP, user_id: USER }, '::ffff:127.0.0.1'))?.auth);
    await assert.rejects(
      call('update', 'login', { app_id: APP, user_id: USER }, '10.0.0.1'),
      status(400, /^unauthorized source address$/),
    );
    await call('update', `map/user-id/${USER}`, { value: APP, cidr_block: '10.0.0.0/8' });
    await assert.rejects(
      call('update', 'login', { app_id: APP, user_id: USER }),
      status(400, /unauthorized source address/),
    );
    assert.ok((await call('update', 'login', { app_id: APP, user_id: USER }, '10.9.9.9'))?.auth);
  });

  it('refuses unknown, unlisted or unmapped ids with Vault’s messages', async () => {
    const { call } = await setup();
    await call('create', `map/app-id/${APP}`, { value: 'web' });
    await call('create', `map/user-id/${USER}`, { value: 'some-other-app' });
    await call('create', 'map/user-id/orphan', { value: 'no-such-app' });
    await assert.rejects(
      call('update', 'login', { app_id: APP }),
      status(400, /^missing 'app_id' or 'user_id'$/),
    );
    await assert.rejects(
      call('update', 'login', { user_id: USER }),
      status(400, /missing 'app_id' or 'user_id'/),
    );
    await assert.rejects(call('update', 'login', { app_id: APP, user_id: 'unknown' }), status(400, INVALID));
    await assert.rejects(
      call('update', 'login', { app_id: APP, user_id: USER }),
      status(400, INVALID),
      'app not listed for the user',
    );
    await assert.rejects(
      call('update', 'login', { app_id: APP.slice(0, -1), user_id: USER }),
      status(400, INVALID),
    );
    await assert.rejects(
      call('update', 'login', { app_id: 'no-such-app', user_id: 'orphan' }),
      status(400, INVALID),
      'listed but unmapped',
    );
  });

  it('stores no id in clear and refuses bad mappings', async () => {
    const { call, dump, storage } = await setup();
    await assert.rejects(
      call('create', `map/user-id/${USER}`, { value: APP, cidr_block: '10.0.0.0/99' }),
      status(400, /cidr_block/),
    );
    await assert.rejects(
      call('create', `map/app-id/${APP}`, { value: ['a'] }),
      status(400, /'value' must be a string/),
    );
    await assert.rejects(call('create', 'map/app-id/has.dot', { value: 'a' }), status(404));
    assert.deepEqual(
      [...storage.data.keys()].filter((k) => k !== 'salt'),
      [],
    );
    await call('create', `map/app-id/${APP}`, { value: 'web' });
    await call('create', `map/user-id/${USER}`, { value: 'x' });
    const keys = dump()
      .split('\n')
      .map((l) => l.slice(0, l.indexOf('=')));
    assert.equal(
      keys.some((k) => k.includes(APP) || k.includes(USER)),
      false,
    );
    assert.equal(dump().includes(USER), false);
  });
});
