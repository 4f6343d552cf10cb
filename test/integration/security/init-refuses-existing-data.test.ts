import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { freePort } from '../../../src/helper/ports.js';
import { startServerProcess } from '../../helpers/server-process.js';
import type { ServerProcess } from '../../helpers/server-process.js';
import { CONSUL_START_TIMEOUT, startConsul } from '../../helpers/consul.js';
import type { ConsulAgent } from '../../helpers/consul.js';
import { encodeSegment } from '../../../src/physical/file-names.js';
import { type ApiResponse, vaultApi } from '../../helpers/vault-api.js';

type Answer = ApiResponse;

const call = (addr: string, method: string, path: string, body?: unknown, token?: string): Promise<Answer> =>
  vaultApi(addr, method, path, body, { ...(token === undefined ? {} : { token }), timeoutMs: 20_000 });

const errorsOf = (a: Answer): string => JSON.stringify(a.body.errors ?? []);

/** A server process with `storage` as its storage stanza. */
async function startNode(
  dir: string,
  name: string,
  storage: string,
): Promise<{ addr: string; start: () => Promise<ServerProcess> }> {
  const port = await freePort();
  const addr = `http://127.0.0.1:${port}`;
  const config = join(dir, `${name}.hcl`);
  await writeFile(
    config,
    `${storage}\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\napi_addr = "${addr}"\ncluster_addr = "https://127.0.0.1:${port + 1}"\n`,
  );
  return { addr, start: () => startServerProcess([`-config=${config}`], `${addr}/v1/sys/health`) };
}

/** Initialises, unseals, mounts kv at kv/ and writes kv/app; returns the unseal key and root token. */
async function initWithSecret(addr: string): Promise<{ key: string; root: string }> {
  const init = await call(addr, 'PUT', 'sys/init', { secret_shares: 1, secret_threshold: 1 });
  assert.equal(init.status, 200, JSON.stringify(init.body));
  const key = (init.body.keys as string[])[0] ?? '';
  const root = init.body.root_token as string;
  assert.equal((await call(addr, 'PUT', 'sys/unseal', { key })).body.sealed, false);
  for (let i = 0; i < 100 && (await call(addr, 'GET', 'sys/health')).status !== 200; i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.equal((await call(addr, 'POST', 'sys/mounts/kv', { type: 'kv' }, root)).status, 204);
  assert.equal((await call(addr, 'PUT', 'kv/app', { password: 'kept-safe-1' }, root)).status, 204);
  return { key, root };
}

/** Every file below `dir`, relative path → bytes. */
async function snapshotFiles(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    out.set(relative(dir, full), await readFile(full));
  }
  return out;
}

/**
 * sys/init on storage that lost only its seal configuration must not wipe the barrier: the
 * keyring, the encrypted root key and every secret stay as they are, and the answer is a 400.
 */
describe('sys/init refuses storage that already holds data (file storage)', () => {
  let dir: string;
  let server: ServerProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tresor-init-data-'));
  });
  after(async () => {
    await server?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 400 without deleting anything when only core/seal-config is missing, and the data survives', async () => {
    const data = join(dir, 'data');
    const node = await startNode(dir, 'file', `storage "file" {\n  path = "${data}"\n}`);
    server = await node.start();
    const { key, root } = await initWithSecret(node.addr);

    const again = await call(node.addr, 'PUT', 'sys/init', { secret_shares: 1, secret_threshold: 1 });
    assert.equal(again.status, 400, 'initialising an initialised node');
    assert.match(errorsOf(again), /Vault is already initialized/);
    await server.stop();

    const sealConfigFile = join(data, encodeSegment('core', true), `_${encodeSegment('seal-config', false)}`);
    const sealConfig = await readFile(sealConfigFile);
    await unlink(sealConfigFile);
    const before = await snapshotFiles(data);
    assert.ok(before.size >= 3, `the barrier left files behind: ${[...before.keys()].join(', ')}`);

    server = await node.start();
    assert.equal((await call(node.addr, 'GET', 'sys/init')).body.initialized, false);
    const refused = await call(node.addr, 'PUT', 'sys/init', { secret_shares: 1, secret_threshold: 1 });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.match(errorsOf(refused), /already holds data/);
    assert.match(errorsOf(refused), /would destroy it/);
    assert.equal(refused.body.root_token, undefined);
    await server.stop();

    const afterwards = await snapshotFiles(data);
    assert.deepEqual(
      [...afterwards.keys()].sort(),
      [...before.keys()].sort(),
      'no file was added or removed',
    );
    for (const [name, bytes] of before)
      assert.ok(afterwards.get(name)?.equals(bytes), `${name} is unchanged byte for byte`);

    // Restoring the seal configuration brings everything back with the original key and token.
    await writeFile(sealConfigFile, sealConfig);
    server = await node.start();
    assert.equal((await call(node.addr, 'PUT', 'sys/unseal', { key })).body.sealed, false);
    for (let i = 0; i < 100 && (await call(node.addr, 'GET', 'sys/health')).status !== 200; i++)
      await new Promise((r) => setTimeout(r, 100));
    const secret = await call(node.addr, 'GET', 'kv/app', undefined, root);
    assert.equal(secret.status, 200);
    assert.deepEqual(secret.body.data, { password: 'kept-safe-1' });
  });
});

/** Every key and value below `prefix` in Consul's KV store. */
async function consulKv(consul: ConsulAgent, prefix: string): Promise<Map<string, string>> {
  const res = await fetch(`http://${consul.httpAddr}/v1/kv/${prefix}?recurse=true`);
  if (res.status === 404) return new Map();
  const pairs = (await res.json()) as { Key: string; Value: string | null }[];
  return new Map(pairs.map((p) => [p.Key, p.Value ?? '']));
}

describe(
  'sys/init refuses storage that already holds data (Consul storage, per path prefix)',
  { timeout: CONSUL_START_TIMEOUT },
  () => {
    let consul: ConsulAgent;
    let dir: string;
    const servers: ServerProcess[] = [];

    before(
      async () => {
        consul = await startConsul();
        dir = await mkdtemp(join(tmpdir(), 'tresor-init-consul-'));
      },
      { timeout: CONSUL_START_TIMEOUT },
    );
    after(async () => {
      for (const s of servers) await s.kill();
      await consul.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('refuses under a prefix whose seal-config is gone, keeps every key, and still initialises another prefix', async () => {
      const storage = (prefix: string): string =>
        `storage "consul" {\n  address = "${consul.httpAddr}"\n  path = "${prefix}"\n}`;
      const a = await startNode(dir, 'a', storage('tresor-a/'));
      let server = await a.start();
      servers.push(server);
      await initWithSecret(a.addr);
      await server.stop();

      const del = await fetch(`http://${consul.httpAddr}/v1/kv/tresor-a/core/seal-config`, {
        method: 'DELETE',
      });
      assert.equal(del.status, 200);
      const before = await consulKv(consul, 'tresor-a/');
      assert.ok(before.has('tresor-a/core/keyring'), 'the keyring is still stored');

      server = await a.start();
      servers.push(server);
      const refused = await call(a.addr, 'PUT', 'sys/init', { secret_shares: 1, secret_threshold: 1 });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.match(errorsOf(refused), /consul storage already holds data/);
      await server.stop();
      assert.deepEqual(
        await consulKv(consul, 'tresor-a/'),
        before,
        'every key and value under the prefix is unchanged',
      );

      // Data under another prefix (even one that starts the same way) does not block initialisation.
      const b = await startNode(dir, 'b', storage('tresor-a-b/'));
      server = await b.start();
      servers.push(server);
      const init = await call(b.addr, 'PUT', 'sys/init', { secret_shares: 1, secret_threshold: 1 });
      assert.equal(init.status, 200, JSON.stringify(init.body));
      await server.stop();
      assert.deepEqual(
        await consulKv(consul, 'tresor-a/'),
        before,
        'initialising tresor-a-b/ left tresor-a/ alone',
      );
    });
  },
);
