import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodeVault from 'node-vault';
import { freePort } from '../../src/helper/ports.js';
import { startServerProcess } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { vaultApi } from '../helpers/vault-api.js';

/** Sends a request with the literal LIST method over a raw socket, as hvac and node-vault do. */
async function rawList(
  host: string,
  port: number,
  path: string,
  token: string,
): Promise<{ status: number; body: string }> {
  const res = await vaultApi(`http://${host}:${port}`, 'LIST', path, undefined, { token });
  return { status: res.status, body: res.text };
}

/** node-vault (npm) drives init, unseal, status and health against a real server process. */
describe('node-vault against a server process: init, unseal, status, health, LIST', () => {
  let dir: string;
  let server: ServerProcess;
  let port: number;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tresor-nv-'));
    port = await freePort();
    const config = join(dir, 'server.hcl');
    await writeFile(
      config,
      `storage "file" {\n  path = "${join(dir, 'data')}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\n`,
    );
    server = await startServerProcess([`-config=${config}`], `http://127.0.0.1:${port}/v1/sys/health`);
  });
  after(async () => {
    await server.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it('initialises, unseals and reports health', async () => {
    const vault = nodeVault({ apiVersion: 'v1', endpoint: `http://127.0.0.1:${port}` });
    assert.deepEqual(await vault.initialized(), { initialized: false });
    const health0 = (await vault.health()) as { initialized: boolean; sealed: boolean };
    assert.equal(health0.initialized, false);

    const init = (await vault.init({ secret_shares: 3, secret_threshold: 2 })) as {
      keys: string[];
      root_token: string;
    };
    assert.equal(init.keys.length, 3);
    vault.token = init.root_token;
    assert.equal(((await vault.status()) as { sealed: boolean }).sealed, true);
    assert.equal(
      ((await vault.health()) as { sealed: boolean }).sealed,
      true,
      'node-vault accepts 503 on sys/health',
    );

    const first = (await vault.unseal({ secret_shares: 1, key: init.keys[0] })) as {
      sealed: boolean;
      progress: number;
      t: number;
    };
    assert.deepEqual([first.sealed, first.progress, first.t], [true, 1, 2]);
    const second = (await vault.unseal({ secret_shares: 1, key: init.keys[2] })) as { sealed: boolean };
    assert.equal(second.sealed, false);
    const status = (await vault.status()) as { sealed: boolean; initialized: boolean; type: string };
    assert.deepEqual([status.sealed, status.initialized, status.type], [false, true, 'shamir']);
    const health = (await vault.health()) as { initialized: boolean; sealed: boolean; standby: boolean };
    assert.deepEqual([health.initialized, health.sealed, health.standby], [true, false, false]);

    await vault.mount({ mount_point: 'kv', type: 'kv' });
    await vault.write('kv/a/one', { v: '1' });
    await vault.write('kv/a/two', { v: '2' });
    const listed = (await vault.list('kv/a')) as { data: { keys: string[] } };
    assert.deepEqual(listed.data.keys, ['one', 'two']);

    // the literal LIST method on a raw keep-alive socket gets a proper Vault answer
    const raw = await rawList('127.0.0.1', port, '/v1/kv/a', init.root_token);
    assert.equal(raw.status, 200);
    assert.deepEqual((JSON.parse(raw.body) as { data: { keys: string[] } }).data.keys, ['one', 'two']);
    const empty = await rawList('127.0.0.1', port, '/v1/kv/nothing', init.root_token);
    assert.equal(empty.status, 404);
    assert.deepEqual(JSON.parse(empty.body), { errors: [] });

    await vault.seal();
    assert.equal(((await vault.status()) as { sealed: boolean }).sealed, true);
  });
});
