import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../src/helper/ports.js';
import { cli, startServerProcess } from '../../helpers/server-process.js';
import type { ServerProcess } from '../../helpers/server-process.js';

const KNOWN = 'walkthrough-known-value-7f1c9d2e4b';

async function* files(dir: string): AsyncGenerator<string> {
  for (const name of await readdir(dir)) {
    const p = join(dir, name);
    if ((await stat(p)).isDirectory()) yield* files(p);
    else yield p;
  }
}

/** Every byte of every file under `dir` searched for `needle` (utf-8, base64 and hex forms). */
async function rawStorageContains(dir: string, needle: string): Promise<string[]> {
  const forms = [
    Buffer.from(needle),
    Buffer.from(Buffer.from(needle).toString('base64')),
    Buffer.from(Buffer.from(needle).toString('hex')),
  ];
  const hits: string[] = [];
  for await (const f of files(dir)) {
    const bytes = await readFile(f);
    if (forms.some((form) => bytes.includes(form)) || f.includes(needle)) hits.push(f);
  }
  return hits;
}

/**
 * The production walkthrough as an operator performs it, with the real CLI against a real server
 * process on file storage: init 5/3, sealed, unseal with three different keys, write data, restart,
 * sealed again, unseal with another three, data still there — and never in clear on disk.
 */
describe('production walkthrough: file storage, init, unseal, restart', () => {
  let dir: string;
  let config: string;
  let addr: string;
  let server: ServerProcess | undefined;
  const env = (): Record<string, string> => ({ VAULT_ADDR: addr, HOME: dir });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tresor-walkthrough-'));
    const port = await freePort();
    addr = `http://127.0.0.1:${port}`;
    config = join(dir, 'server.hcl');
    await writeFile(
      config,
      `storage "file" {\n  path = "${join(dir, 'data')}"\n}\n\nlistener "tcp" {\n  address     = "127.0.0.1:${port}"\n  tls_disable = 1\n}\n\napi_addr = "${addr}"\n`,
    );
  });
  after(async () => {
    await server?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs end to end', async () => {
    server = await startServerProcess([`-config=${config}`], `${addr}/v1/sys/health`);

    const init = await cli(['operator', 'init', '-key-shares=5', '-key-threshold=3', '-format=json'], env());
    assert.equal(init.code, 0, init.stderr);
    const initOut = JSON.parse(init.stdout) as {
      unseal_keys_b64: string[];
      unseal_keys_hex: string[];
      root_token: string;
      unseal_shares: number;
      unseal_threshold: number;
    };
    assert.equal(initOut.unseal_keys_b64.length, 5);
    assert.equal(initOut.unseal_shares, 5);
    assert.equal(initOut.unseal_threshold, 3);
    const root = initOut.root_token;

    const sealed = await cli(['status'], env());
    assert.equal(sealed.code, 2, `status must exit 2 while sealed:\n${sealed.stdout}${sealed.stderr}`);
    assert.match(sealed.stdout, /Sealed\s+true/);
    assert.match(sealed.stdout, /Total Shares\s+5/);

    for (const [i, key] of [
      initOut.unseal_keys_b64[0]!,
      initOut.unseal_keys_hex[2]!,
      initOut.unseal_keys_b64[4]!,
    ].entries()) {
      const u = await cli(['operator', 'unseal', key], env());
      assert.equal(u.code, 0, u.stderr);
      assert.match(u.stdout, i < 2 ? new RegExp(`Unseal Progress\\s+${i + 1}/3`) : /Sealed\s+false/);
    }
    const unsealed = await cli(['status'], env());
    assert.equal(unsealed.code, 0, unsealed.stdout + unsealed.stderr);
    assert.match(unsealed.stdout, /Sealed\s+false/);

    const withToken = { ...env(), VAULT_TOKEN: root };
    const enable = await cli(['secrets', 'enable', '-path=secret', 'kv-v2'], withToken);
    assert.equal(enable.code, 0, enable.stderr);
    const put = await cli(['kv', 'put', 'secret/app/db', `password=${KNOWN}`, 'user=app'], withToken);
    assert.equal(put.code, 0, put.stderr);

    await server.stop();
    assert.deepEqual(
      await rawStorageContains(join(dir, 'data'), KNOWN),
      [],
      'the secret must not appear in raw storage',
    );

    server = await startServerProcess([`-config=${config}`], `${addr}/v1/sys/health`);
    const afterRestart = await cli(['status'], env());
    assert.equal(afterRestart.code, 2, 'sealed again after a restart');
    for (const key of [
      initOut.unseal_keys_hex[1]!,
      initOut.unseal_keys_b64[3]!,
      initOut.unseal_keys_hex[0]!,
    ]) {
      assert.equal((await cli(['operator', 'unseal', key], env())).code, 0);
    }
    assert.equal((await cli(['status'], env())).code, 0);
    const get = await cli(['kv', 'get', '-field=password', 'secret/app/db'], withToken);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout.trim(), KNOWN);

    await server.stop();
    assert.deepEqual(await rawStorageContains(join(dir, 'data'), KNOWN), []);
  });
});
