import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CliResult, type DevServer, startDevServer, tempHome, tresor } from './cli-harness.js';

/** kv (v1 and v2 through the preflight), the generic read/write/list/delete, secrets and policies. */
describe('tresor kv, secrets and policy commands against a dev server', () => {
  let server: DevServer;
  let home = '';
  let env: Record<string, string> = {};

  const run = (args: string[], input = '', extra: Record<string, string> = {}): Promise<CliResult> =>
    tresor(args, { ...env, ...extra }, input);
  const expectCode = (r: CliResult, code: number): void => {
    assert.equal(r.code, code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  };

  before(async () => {
    server = await startDevServer();
    home = tempHome();
    env = { HOME: home, VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken };
  });

  after(async () => {
    await server.stop();
  });

  it('kv put / kv get on the dev secret/ mount (KV v2) with -mount and path syntax', async () => {
    const put = await run(['kv', 'put', '-mount=secret', 'app/db', 'user=alice', 'password=-'], 's3cret');
    expectCode(put, 0);
    assert.match(put.stdout, /^=+ Secret Path =+\nsecret\/data\/app\/db\n\n=+ Metadata =+\nKey {16}Value\n/);
    assert.match(put.stdout, /\nversion {12}1\n/);
    const get = await run(['kv', 'get', 'secret/app/db']);
    expectCode(get, 0);
    assert.match(
      get.stdout,
      /\n=+ Data =+\nKey {9}Value\n--- {9}-----\npassword {4}s3cret\nuser {8}alice\n$/,
    );
    const field = await run(['kv', 'get', '-field=password', '-mount=secret', 'app/db']);
    expectCode(field, 0);
    assert.equal(field.stdout, 's3cret');
    const json = await run(['kv', 'get', '-format=json', 'secret/app/db']);
    expectCode(json, 0);
    const envelope = JSON.parse(json.stdout) as {
      data: { data: Record<string, string>; metadata: { version: number } };
    };
    assert.deepEqual(envelope.data.data, { password: 's3cret', user: 'alice' });
    assert.equal(envelope.data.metadata.version, 1);
  });

  it('kv put -cas, kv patch, kv get -version, kv list, kv delete and undelete', async () => {
    expectCode(await run(['kv', 'put', '-cas=1', 'secret/app/db', 'user=bob']), 0);
    const stale = await run(['kv', 'put', '-cas=1', 'secret/app/db', 'user=carol']);
    expectCode(stale, 2);
    assert.match(stale.stderr, /^Error writing data to secret\/data\/app\/db: Error making API request\./);
    assert.match(stale.stderr, /check-and-set parameter did not match the current version/);
    expectCode(await run(['kv', 'patch', 'secret/app/db', 'port=5432']), 0);
    const patched = await run(['kv', 'get', '-format=json', 'secret/app/db']);
    assert.deepEqual((JSON.parse(patched.stdout) as { data: { data: unknown } }).data.data, {
      user: 'bob',
      port: '5432',
    });
    const v1 = await run(['kv', 'get', '-version=1', '-field=user', 'secret/app/db']);
    assert.equal(v1.stdout, 'alice');
    const list = await run(['kv', 'list', 'secret/']);
    expectCode(list, 0);
    assert.equal(list.stdout, 'Keys\n----\napp/\n');
    const listJson = await run(['kv', 'list', '-format=json', 'secret/app']);
    assert.deepEqual(JSON.parse(listJson.stdout), ['db']);
    const del = await run(['kv', 'delete', 'secret/app/db']);
    expectCode(del, 0);
    assert.equal(del.stdout, 'Success! Data deleted (if it existed) at: secret/data/app/db\n');
    const gone = await run(['kv', 'get', 'secret/app/db']);
    assert.match(gone.stdout, /deletion_time {6}\d{4}-/);
    expectCode(await run(['kv', 'undelete', '-versions=3', 'secret/app/db']), 0);
    const back = await run(['kv', 'get', '-field=port', 'secret/app/db']);
    assert.equal(back.stdout, '5432');
  });

  it('kv metadata get prints the versions', async () => {
    const r = await run(['kv', 'metadata', 'get', 'secret/app/db']);
    expectCode(r, 0);
    assert.match(r.stdout, /^=+ Metadata Path =+\nsecret\/metadata\/app\/db\n\n/);
    assert.match(r.stdout, /current_version {9}3\n/);
    assert.match(r.stdout, /\n=+ Version 1 =+\n/);
  });

  it('secrets enable/list, then write/read/list/delete on a KV v1 mount', async () => {
    const enable = await run(['secrets', 'enable', '-path=kv1', '-description=plain kv', 'kv']);
    expectCode(enable, 0);
    assert.equal(enable.stdout, 'Success! Enabled the kv secrets engine at: kv1/\n');
    const list = await run(['secrets', 'list']);
    expectCode(list, 0);
    assert.match(list.stdout, /^Path {10}Type {9}Accessor {14}Description\n----/);
    assert.match(list.stdout, /\nkv1\/ {10}kv {11}kv_[0-9a-f]{8} {11}plain kv\n/);
    const json = JSON.parse((await run(['secrets', 'list', '-format=json'])).stdout) as Record<
      string,
      { type: string; options: unknown }
    >;
    assert.equal(json['kv1/']?.type, 'kv');
    assert.deepEqual(json['secret/']?.options, { version: '2' });

    const write = await run(['write', 'kv1/app', 'a=1', 'b=two']);
    expectCode(write, 0);
    assert.equal(write.stdout, 'Success! Data written to: kv1/app\n');
    const read = await run(['read', 'kv1/app']);
    expectCode(read, 0);
    assert.match(
      read.stdout,
      /^Key {17}Value\n--- {17}-----\nrefresh_interval {4}768h\na {19}1\nb {19}two\n$/,
    );
    const field = await run(['read', '-field=b', 'kv1/app']);
    assert.equal(field.stdout, 'two');
    const kvGet = await run(['kv', 'get', 'kv1/app']);
    expectCode(kvGet, 0);
    assert.equal(kvGet.stdout, '== Data ==\nKey    Value\n---    -----\na      1\nb      two\n');
    const list2 = await run(['list', 'kv1']);
    expectCode(list2, 0);
    assert.equal(list2.stdout, 'Keys\n----\napp\n');
    const noData = await run(['write', 'kv1/empty']);
    expectCode(noData, 1);
    assert.equal(noData.stderr, 'Must supply data or use -force\n');
    const del = await run(['delete', 'kv1/app']);
    expectCode(del, 0);
    assert.equal(del.stdout, 'Success! Data deleted (if it existed) at: kv1/app\n');
    const after = await run(['read', 'kv1/app']);
    expectCode(after, 2);
    const emptyList = await run(['list', '-format=json', 'kv1']);
    expectCode(emptyList, 2);
    assert.equal(emptyList.stdout, '{}\n');
  });

  it('policy write (file and stdin), read, list and delete', async () => {
    const file = join(home, 'reader.hcl');
    writeFileSync(file, 'path "kv1/*" {\n  capabilities = ["read", "list"]\n}\n');
    const write = await run(['policy', 'write', 'Reader', file]);
    expectCode(write, 0);
    assert.equal(write.stdout, 'Success! Uploaded policy: reader\n');
    expectCode(
      await run(['policy', 'write', 'writer', '-'], 'path "kv1/*" { capabilities = ["create", "update"] }\n'),
      0,
    );
    const read = await run(['policy', 'read', 'reader']);
    assert.equal(read.stdout, 'path "kv1/*" {\n  capabilities = ["read", "list"]\n}\n');
    const json = await run(['policy', 'read', '-format=json', 'reader']);
    assert.deepEqual(Object.keys(JSON.parse(json.stdout) as object), ['policy']);
    const list = await run(['policy', 'list']);
    const names = list.stdout.trim().split('\n');
    for (const name of ['default', 'reader', 'writer'])
      assert.ok(names.includes(name), `${name} missing from ${list.stdout}`);
    const del = await run(['policy', 'delete', 'writer']);
    assert.equal(del.stdout, 'Success! Deleted policy: writer\n');
    const missing = await run(['policy', 'read', 'writer']);
    expectCode(missing, 2);
    assert.equal(missing.stderr, 'No policy named: writer\n');
  });

  it('a token limited by a policy can read kv1 but not write it (token capabilities too)', async () => {
    expectCode(await run(['write', 'kv1/shared', 'x=1']), 0);
    const token = (await run(['token', 'create', '-policy=reader', '-field=token'])).stdout;
    assert.match(token, /^\S+$/);
    const caps = await run(['token', 'capabilities', token, 'kv1/shared']);
    expectCode(caps, 0);
    assert.equal(caps.stdout, 'list, read\n');
    const read = await run(['read', '-field=x', 'kv1/shared'], '', { VAULT_TOKEN: token });
    expectCode(read, 0);
    assert.equal(read.stdout, '1');
    const write = await run(['write', 'kv1/shared', 'x=2'], '', { VAULT_TOKEN: token });
    expectCode(write, 2);
    assert.match(write.stderr, /^Error writing data to kv1\/shared: Error making API request\./);
    assert.match(write.stderr, /Code: 403/);
    const revoke = await run(['token', 'revoke', token]);
    expectCode(revoke, 0);
    assert.equal(revoke.stdout, 'Success! Revoked token (if it existed)\n');
  });
});
