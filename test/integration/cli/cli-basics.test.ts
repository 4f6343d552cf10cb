import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CliResult, type DevServer, startDevServer, tempHome, tresor } from './cli-harness.js';

/** The CLI against a real `tresor server -dev`: status, login, reads, JSON shapes, seal and unseal. */
describe('tresor CLI against a dev server', () => {
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
    env = { HOME: home, VAULT_ADDR: server.address };
  });

  after(async () => {
    await server.stop();
  });

  it("status exits 0 on the unsealed dev server and prints vault's table", async () => {
    const r = await run(['status']);
    expectCode(r, 0);
    const lines = r.stdout.split('\n');
    assert.match(lines[0] ?? '', /^Key {13}Value$/);
    assert.match(lines[1] ?? '', /^--- {13}-----$/);
    assert.match(r.stdout, /\nSeal Type {7}shamir\n/);
    assert.match(r.stdout, /\nInitialized {5}true\n/);
    assert.match(r.stdout, /\nSealed {10}false\n/);
    assert.match(r.stdout, /\nTotal Shares {4}1\n/);
    assert.match(r.stdout, /\nStorage Type {4}inmem\n/);
    assert.doesNotMatch(r.stdout, /Unseal Progress/);
  });

  it('status -format=json prints the merged seal and leader status', async () => {
    const r = await run(['status', '-format=json']);
    expectCode(r, 0);
    const status = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(status.type, 'shamir');
    assert.equal(status.initialized, true);
    assert.equal(status.sealed, false);
    assert.equal(status.t, 1);
    assert.equal(status.n, 1);
    assert.equal(typeof status.version, 'string');
    assert.equal(typeof status.ha_enabled, 'boolean');
    const keys = Object.keys(status);
    assert.deepEqual(keys.slice(0, 10), [
      'type',
      'initialized',
      'sealed',
      't',
      'n',
      'progress',
      'nonce',
      'version',
      'build_date',
      'migration',
    ]);
    assert.ok(keys.indexOf('ha_enabled') > keys.indexOf('recovery_seal'));
    assert.equal(r.stdout.endsWith('}\n'), true);
  });

  it('login TOKEN validates the token and writes ~/.vault-token with mode 0600', async () => {
    const r = await run(['login', server.rootToken]);
    expectCode(r, 0);
    assert.match(r.stdout, /^Success! You are now authenticated\. The token information displayed below\n/);
    assert.match(r.stdout, new RegExp(`\ntoken {16}${server.rootToken}\n`));
    assert.match(r.stdout, /\ntoken_duration {7}∞\n/);
    assert.match(r.stdout, /\ntoken_policies {7}\["root"\]\n/);
    const path = join(home, '.vault-token');
    assert.equal(readFileSync(path, 'utf8'), server.rootToken);
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it('login -no-store does not write the token and -token-only prints just the token', async () => {
    const other = tempHome();
    const noStore = await run(['login', '-no-store', server.rootToken], '', { HOME: other });
    expectCode(noStore, 0);
    assert.match(noStore.stderr, /The token was not stored in token helper/);
    assert.equal(existsSync(join(other, '.vault-token')), false);
    const only = await run(['login', '-token-only', server.rootToken], '', { HOME: other });
    expectCode(only, 0);
    assert.equal(only.stdout, server.rootToken);
    const fromStdin = await run(['login', '-token-only', '-'], `${server.rootToken}\n`, { HOME: other });
    expectCode(fromStdin, 0);
    assert.equal(fromStdin.stdout, server.rootToken);
  });

  it('login with an unknown token fails with exit 2 and the API error', async () => {
    const r = await run(['login', 'not-a-token'], '', { HOME: tempHome() });
    expectCode(r, 2);
    assert.match(
      r.stderr,
      /^Error authenticating: error looking up token: Error making API request\.\n\nURL: GET http:\/\/127\.0\.0\.1:\d+\/v1\/auth\/token\/lookup-self\nCode: 403\. Errors:\n\n\* /,
    );
  });

  it('read sys/… uses the stored token and prints a table, one field, or the JSON envelope', async () => {
    const table = await run(['read', 'sys/mounts']);
    expectCode(table, 0);
    assert.match(table.stdout, /^Key {11}Value\n--- {11}-----\n/);
    assert.match(table.stdout, /\nsecret\/ {7}map\[accessor:kv_/);
    const field = await run(['read', '-field=sealed', 'sys/seal-status']);
    expectCode(field, 0);
    assert.equal(field.stdout, 'false');
    const json = await run(['read', '-format=json', 'sys/mounts']);
    expectCode(json, 0);
    const envelope = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(envelope).slice(0, 6), [
      'request_id',
      'lease_id',
      'lease_duration',
      'renewable',
      'data',
      'warnings',
    ]);
    assert.equal(typeof envelope.request_id, 'string');
    const data = envelope.data as Record<string, { type: string }>;
    assert.equal(data['secret/']?.type, 'kv');
    assert.equal('auth' in envelope, false);
  });

  it('token lookup -format=json shows the root token', async () => {
    const r = await run(['token', 'lookup', '-format=json']);
    expectCode(r, 0);
    const envelope = JSON.parse(r.stdout) as { data: { id: string; policies: string[]; ttl: number } };
    assert.equal(envelope.data.id, server.rootToken);
    assert.deepEqual(envelope.data.policies, ['root']);
    assert.equal(envelope.data.ttl, 0);
  });

  it('token create -format=json returns an auth block; that token is denied elsewhere (exit 2)', async () => {
    const created = await run(['token', 'create', '-format=json', '-policy=default', '-ttl=1h']);
    expectCode(created, 0);
    const envelope = JSON.parse(created.stdout) as { auth: Record<string, unknown> };
    assert.deepEqual(Object.keys(envelope.auth), [
      'client_token',
      'accessor',
      'policies',
      'token_policies',
      'identity_policies',
      'metadata',
      'orphan',
      'entity_id',
      'lease_duration',
      'renewable',
      'mfa_requirement',
    ]);
    assert.equal(envelope.auth.lease_duration, 3600);
    const token = envelope.auth.client_token as string;
    const denied = await run(['read', 'sys/mounts'], '', { VAULT_TOKEN: token });
    expectCode(denied, 2);
    assert.match(
      denied.stderr,
      /^Error reading sys\/mounts: Error making API request\.\n\nURL: GET http:\/\/127\.0\.0\.1:\d+\/v1\/sys\/mounts\nCode: 403\. Errors:\n\n\* .*permission denied/s,
    );
  });

  it('read of a path with nothing exits 2 with "No value found"', async () => {
    await run(['secrets', 'enable', '-path=empty-kv', 'kv']);
    const r = await run(['read', 'empty-kv/nothing']);
    expectCode(r, 2);
    assert.equal(r.stderr, 'No value found at empty-kv/nothing\n');
  });

  it('unknown commands exit 127 with the usage on stderr', async () => {
    const r = await run(['frobnicate']);
    expectCode(r, 127);
    assert.match(r.stderr, /^Usage: tresor <command> \[args\]/);
  });

  it('operator seal makes status exit 2; operator unseal with the key on stdin brings it back', async () => {
    const seal = await run(['operator', 'seal']);
    expectCode(seal, 0);
    assert.equal(seal.stdout, 'Success! Vault is sealed.\n');
    const status = await run(['status']);
    expectCode(status, 2);
    assert.match(status.stdout, /\nSealed {13}true\n/);
    assert.match(status.stdout, /\nUnseal Progress {4}0\/1\n/);
    const sealedRead = await run(['read', 'sys/mounts']);
    expectCode(sealedRead, 2);
    assert.match(sealedRead.stderr, /Code: 503\. Errors:\n\n\* Vault is sealed/);
    assert.notEqual(server.unsealKey, '', `no unseal key in the dev banner:\n${server.output()}`);
    const unseal = await run(['operator', 'unseal'], `${server.unsealKey}\n`);
    expectCode(unseal, 0);
    assert.match(unseal.stdout, /\nSealed {10}false\n/);
    expectCode(await run(['status']), 0);
  });
});
