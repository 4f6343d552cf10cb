import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CliResult, type DevServer, startDevServer, tempHome, tresor } from './cli-harness.js';

/** auth enable/list/tune and login -method=userpass|approle, as an operator types them. */
describe('tresor auth and login -method against a dev server', () => {
  let server: DevServer;
  let home = '';
  let env: Record<string, string> = {};
  const ok = (r: CliResult): CliResult => {
    assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r;
  };

  before(async () => {
    server = await startDevServer();
    home = tempHome();
    env = { HOME: home, VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken };
  });
  after(async () => {
    await server.stop();
  });

  it('enables userpass, writes a user, logs in with -method=userpass and stores the token', async () => {
    ok(await tresor(['auth', 'enable', 'userpass'], env));
    const list = ok(await tresor(['auth', 'list'], env));
    assert.match(list.stdout, /userpass\/\s+userpass\s+auth_userpass_[0-9a-f]{8}/);
    ok(
      await tresor(
        ['policy', 'write', 'reader', '-'],
        env,
        'path "secret/data/*" {\n  capabilities = ["read"]\n}\n',
      ),
    );
    ok(
      await tresor(
        ['write', 'auth/userpass/users/ada', 'password=lovelace-1815', 'token_policies=reader'],
        env,
      ),
    );
    ok(await tresor(['auth', 'tune', '-default-lease-ttl=30m', 'userpass/'], env));

    const noTokenEnv = { HOME: home, VAULT_ADDR: server.address };
    const login = ok(
      await tresor(['login', '-method=userpass', 'username=ada', 'password=lovelace-1815'], noTokenEnv),
    );
    assert.match(login.stdout, /Success! You are now authenticated/);
    assert.match(login.stdout, /token_policies\s+\["default" "reader"\]|policies\s+\["default" "reader"\]/);
    const stored = readFileSync(join(home, '.vault-token'), 'utf8');
    assert.match(stored, /^hvs\./);
    const self = ok(await tresor(['token', 'lookup', '-format=json'], noTokenEnv));
    const data = (JSON.parse(self.stdout) as { data: { policies: string[]; ttl: number; path: string } })
      .data;
    assert.deepEqual(data.policies, ['default', 'reader']);
    assert.equal(data.path, 'auth/userpass/login/ada');
    assert.ok(data.ttl > 1700 && data.ttl <= 1800, `tuned TTL applies (ttl ${data.ttl})`);

    const bad = await tresor(['login', '-method=userpass', 'username=ada', 'password=wrong'], noTokenEnv);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid username or password/);
  });

  it('logs in with -method=approle and -token-only', async () => {
    ok(await tresor(['auth', 'enable', 'approle'], env));
    ok(await tresor(['write', 'auth/approle/role/ci', 'token_policies=reader'], env));
    const roleId = ok(
      await tresor(['read', '-field=role_id', 'auth/approle/role/ci/role-id'], env),
    ).stdout.trim();
    const secretId = ok(
      await tresor(['write', '-f', '-field=secret_id', 'auth/approle/role/ci/secret-id'], env),
    ).stdout.trim();
    const login = ok(
      await tresor(
        ['login', '-method=approle', '-token-only', `role_id=${roleId}`, `secret_id=${secretId}`],
        { HOME: tempHome(), VAULT_ADDR: server.address },
      ),
    );
    assert.match(login.stdout.trim(), /^hvs\.[A-Za-z0-9]{24}$/);
  });

  it('disables auth methods and secrets engines with the vault CLI messages', async () => {
    ok(await tresor(['auth', 'enable', '-path=temp-up', 'userpass'], env));
    const auth = ok(await tresor(['auth', 'disable', 'temp-up'], env));
    assert.equal(auth.stdout, 'Success! Disabled the auth method (if it existed) at: temp-up/\n');
    ok(await tresor(['secrets', 'enable', '-path=temp-kv', 'kv'], env));
    const secrets = ok(await tresor(['secrets', 'disable', 'temp-kv/'], env));
    assert.equal(secrets.stdout, 'Success! Disabled the secrets engine (if it existed) at: temp-kv/\n');
    assert.doesNotMatch(ok(await tresor(['secrets', 'list'], env)).stdout, /temp-kv/);
    const bad = await tresor(['secrets', 'disable'], env);
    assert.equal(bad.code, 1);
  });
});
