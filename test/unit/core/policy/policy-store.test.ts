import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_POLICY } from '../../../../src/core/policy/builtin.js';
import { PolicyStore } from '../../../../src/core/policy/policy-store.js';
import { InvalidRequestError, VaultError } from '../../../../src/helper/errors.js';
import { MemoryStorage } from '../../../helpers/memory-storage.js';

const READ_SECRET = 'path "secret/*" {\n  capabilities = ["read", "list"]\n}\n';

async function store(): Promise<{ storage: MemoryStorage; policies: PolicyStore }> {
  const storage = new MemoryStorage();
  const policies = new PolicyStore(storage);
  await policies.setup();
  return { storage, policies };
}

async function rejects400(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(
    promise,
    (err: unknown) => err instanceof InvalidRequestError && err.status === 400 && message.test(err.message),
  );
}

describe('PolicyStore', () => {
  it('writes the default policy at setup and never overwrites an edited one', async () => {
    const { storage, policies } = await store();
    assert.deepEqual(JSON.parse(storage.text('policy/default') ?? ''), {
      name: 'default',
      raw: DEFAULT_POLICY,
    });
    await policies.set('default', READ_SECRET);
    await policies.setup();
    assert.equal((await policies.get('default'))?.raw, READ_SECRET);
  });

  it('stores {name, raw} under policy/<name> and reads it back parsed', async () => {
    const { storage, policies } = await store();
    assert.deepEqual(await policies.set('dev', READ_SECRET), { name: 'dev', warnings: [] });
    assert.deepEqual(JSON.parse(storage.text('policy/dev') ?? ''), { name: 'dev', raw: READ_SECRET });
    const policy = await policies.get('dev');
    assert.equal(policy?.name, 'dev');
    assert.deepEqual(policy.paths[0]?.capabilities, ['read', 'list']);
  });

  it('trims and lowercases names, with a warning', async () => {
    const { policies } = await store();
    const result = await policies.set('  Dev-Team ', READ_SECRET);
    assert.equal(result.name, 'dev-team');
    assert.match(result.warnings[0] ?? '', /normalized to "dev-team"/);
    assert.ok(await policies.get('DEV-TEAM'));
  });

  it('stores a base64 policy decoded', async () => {
    const { storage, policies } = await store();
    await policies.set('b64', Buffer.from(READ_SECRET).toString('base64'));
    assert.equal((JSON.parse(storage.text('policy/b64') ?? '') as { raw: string }).raw, READ_SECRET);
  });

  it('refuses invalid policies and names, storing nothing', async () => {
    const { storage, policies } = await store();
    await rejects400(
      policies.set('bad', 'path "x" {\n  capabilities = ["fly"]\n}'),
      /line 2: invalid capability "fly"/,
    );
    await rejects400(policies.set('a/b', READ_SECRET), /invalid policy name "a\/b"/);
    await rejects400(policies.set('a,b', READ_SECRET), /invalid policy name/);
    await rejects400(policies.set('  ', READ_SECRET), /policy name missing/);
    await rejects400(policies.set('empty', ''), /'policy' parameter not supplied or empty/);
    assert.deepEqual([...storage.data.keys()], ['policy/default']);
  });

  it('protects root, default and the internal policies', async () => {
    const { policies } = await store();
    await rejects400(policies.set('root', READ_SECRET), /^cannot update root policy$/);
    await rejects400(policies.set('Root', READ_SECRET), /^cannot update root policy$/);
    await rejects400(policies.delete('root'), /^cannot delete root policy$/);
    await rejects400(policies.delete('default'), /^cannot delete default policy$/);
    await rejects400(
      policies.set('response-wrapping', READ_SECRET),
      /cannot update "response-wrapping" policy/,
    );
    await rejects400(policies.delete('response-wrapping'), /cannot delete "response-wrapping" policy/);
    assert.equal((await policies.get('root'))?.name, 'root');
    const wrapping = await policies.get('response-wrapping');
    assert.deepEqual(wrapping?.paths.map((p) => p.pattern).sort(), [
      'cubbyhole/response',
      'sys/wrapping/unwrap',
    ]);
  });

  it('lists stored names sorted, without root or internal policies', async () => {
    const { policies } = await store();
    await policies.set('zeta', READ_SECRET);
    await policies.set('alpha', READ_SECRET);
    await policies.get('response-wrapping');
    assert.deepEqual(await policies.list(), ['alpha', 'default', 'zeta']);
  });

  it('deletes, and deleting a missing policy succeeds', async () => {
    const { policies } = await store();
    await policies.set('dev', READ_SECRET);
    await policies.get('dev');
    await policies.delete('DEV');
    assert.equal(await policies.get('dev'), undefined);
    await policies.delete('never-existed');
  });

  it('caches parsed policies until a write or an invalidation', async () => {
    const { storage, policies } = await store();
    await policies.set('dev', READ_SECRET);
    assert.ok(await policies.get('dev'));
    // Another writer changes storage behind the store's back (e.g. before an HA promotion).
    await storage.put(
      'policy/dev',
      Buffer.from(JSON.stringify({ name: 'dev', raw: 'path "other" { capabilities = ["read"] }' })),
    );
    assert.equal((await policies.get('dev'))?.paths[0]?.pattern, 'secret/*', 'served from cache');
    policies.invalidate('Dev');
    assert.equal((await policies.get('dev'))?.paths[0]?.pattern, 'other');
    await storage.delete('policy/dev');
    policies.invalidate();
    assert.equal(await policies.get('dev'), undefined);
    await policies.set('dev', READ_SECRET);
    assert.equal(
      (await policies.get('dev'))?.paths[0]?.pattern,
      'secret/*',
      'a write replaces the cached copy',
    );
  });

  it('surfaces storage failures and keeps the previous policy', async () => {
    const { storage, policies } = await store();
    await policies.set('dev', READ_SECRET);
    storage.failPut = true;
    await assert.rejects(policies.set('dev', 'path "x" { capabilities = ["read"] }'), /injected put failure/);
    storage.failPut = false;
    assert.equal((await policies.get('dev'))?.paths[0]?.pattern, 'secret/*');
  });

  it('reports a corrupt stored entry as an internal error', async () => {
    const { storage, policies } = await store();
    await storage.put('policy/broken', Buffer.from('not json'));
    await assert.rejects(
      policies.get('broken'),
      (err: unknown) => err instanceof VaultError && err.status === 500 && !err.expose,
    );
  });

  it('builds ACLs: root wins, unknown names are skipped, templates are rendered', async () => {
    const { policies } = await store();
    await policies.set('dev', READ_SECRET);
    const root = await policies.acl(['default', 'root']);
    assert.equal(root.isRoot, true);

    const acl = await policies.acl(['Dev', 'default', 'no-such-policy']);
    assert.equal(acl.isRoot, false);
    assert.deepEqual(acl.capabilities('secret/x'), ['list', 'read']);
    assert.deepEqual(acl.capabilities('auth/token/lookup-self'), ['read']);
    assert.deepEqual(acl.capabilities('cubbyhole/notes'), ['create', 'delete', 'list', 'read', 'update']);
    assert.deepEqual(acl.capabilities('identity/oidc/provider/default/authorize'), ['read', 'update']);
    assert.deepEqual(
      acl.capabilities('identity/entity/id/e-42'),
      ['deny'],
      'no entity: templated path left out',
    );

    const withEntity = await policies.acl(['default'], { entity: { id: 'e-42', name: 'alice' } });
    assert.deepEqual(withEntity.capabilities('identity/entity/id/e-42'), ['read']);
    assert.deepEqual(withEntity.capabilities('identity/entity/name/alice'), ['read']);
    assert.deepEqual(withEntity.capabilities('identity/entity/id/e-43'), ['deny']);
  });
});
