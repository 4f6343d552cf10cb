import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdtemp, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clientToken, startTresor, type TresorProcess } from '../../helpers/tresor-process.js';

const TIMEOUT = 120_000;

type Entry = Record<string, unknown> & {
  type: string;
  auth: Record<string, unknown>;
  request: Record<string, unknown> & { id: string; path: string; operation: string };
  response?: Record<string, unknown>;
  error?: string;
};

/** The error messages of an answer, joined. */
const errorsOf = (res: { body: Record<string, unknown> }): string =>
  Array.isArray(res.body.errors) ? res.body.errors.join('; ') : '';

async function entries(file: string): Promise<Entry[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Entry);
}

/** Waits (bounded) until `file` holds an entry that `match` accepts, and returns every entry. */
async function waitFor(file: string, match: (e: Entry) => boolean): Promise<Entry[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const all = await entries(file);
    if (all.some(match)) return all;
    if (Date.now() > deadline)
      throw new Error(`no matching entry in ${file}: ${JSON.stringify(all.slice(-4))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The `file` audit device on a real server process (file storage): entries in Vault's shape with
 * secrets hashed under the device's salt, sys/audit-hash agreeing with them, SIGHUP reopening a
 * rotated file, refused bad input, and fail-closed when no device can record.
 */
describe('audit device "file" on a real server', () => {
  let t: TresorProcess;
  let dir: string;

  before(
    async () => {
      t = await startTresor();
      dir = await mkdtemp(join(tmpdir(), 'tresor-audit-'));
      const mount = await t.api('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } });
      assert.equal(mount.status, 204, mount.text);
    },
    { timeout: TIMEOUT },
  );

  after(async () => {
    await t.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'records a kv write and read in two entries each, secrets hashed as sys/audit-hash hashes them',
    { timeout: TIMEOUT },
    async () => {
      const file = join(dir, 'logs', 'audit.log');
      const enabled = await t.api('PUT', 'sys/audit/file', {
        type: 'file',
        description: 'the main log',
        options: { file_path: file },
      });
      assert.equal(enabled.status, 204, enabled.text);
      assert.equal((await stat(file)).mode & 0o777, 0o600, 'the default mode');
      const probe = (await entries(file))[0];
      assert.equal(probe?.request.path, 'sys/audit/test', 'the test message comes first');

      const listed = await t.api('GET', 'sys/audit');
      assert.equal(listed.status, 200, listed.text);
      assert.deepEqual((listed.body.data as Record<string, unknown>)['file/'], {
        type: 'file',
        description: 'the main log',
        options: { file_path: file },
        local: false,
        path: 'file/',
      });

      await t.api('PUT', 'sys/policies/acl/app', {
        policy: 'path "secret/*" { capabilities = ["create","update","read"] }',
      });
      const token2 = clientToken(await t.api('POST', 'auth/token/create', { policies: ['app'], ttl: '1h' }));
      const written = await t.api(
        'POST',
        'secret/data/db',
        { data: { password: 'hunter2-secret', port: 5432 } },
        { token: token2 },
      );
      assert.equal(written.status, 200, written.text);
      const read = await t.api('GET', 'secret/data/db', undefined, { token: token2 });
      assert.equal(read.status, 200, read.text);

      const all = await waitFor(
        file,
        (e) => e.type === 'response' && e.request.operation === 'read' && e.request.path === 'secret/data/db',
      );
      const text = await readFile(file, 'utf8');
      assert.ok(!text.includes('hunter2-secret'), 'no secret value in clear');
      assert.ok(!text.includes(token2), 'no token in clear');
      assert.ok(!text.includes(t.rootToken), 'no root token in clear');

      const hashOf = async (input: string): Promise<string> => {
        const res = await t.api('POST', 'sys/audit-hash/file', { input });
        assert.equal(res.status, 200, res.text);
        return (res.body.data as { hash: string }).hash;
      };
      const tokenHash = await hashOf(token2);
      assert.match(tokenHash, /^hmac-sha256:[0-9a-f]{64}$/);

      const write = all.filter((e) => e.request.path === 'secret/data/db' && e.request.operation !== 'read');
      assert.deepEqual(
        write.map((e) => e.type),
        ['request', 'response'],
      );
      const [wreq, wres] = write as [Entry, Entry];
      assert.equal(wreq.request.id, wres.request.id, 'request and response share the id');
      assert.equal(wreq.request.client_token, tokenHash);
      assert.equal(wreq.auth.client_token, tokenHash);
      assert.equal(wreq.request.mount_type, 'kv');
      assert.equal(wreq.request.mount_point, 'secret/');
      assert.equal(wreq.request.remote_address, '127.0.0.1');
      assert.deepEqual(wreq.request.namespace, { id: 'root' });
      assert.deepEqual(wreq.auth.policies, ['app', 'default']);
      assert.deepEqual(wreq.request.data, {
        data: { password: await hashOf('hunter2-secret'), port: 5432 },
      });
      assert.match(String(wreq.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      const accessor = (await t.api('POST', 'auth/token/lookup', { token: token2 })).body.data as {
        accessor: string;
      };
      assert.equal(wreq.auth.accessor, await hashOf(accessor.accessor), 'accessors are hashed too');

      const readEntries = all.filter(
        (e) => e.request.path === 'secret/data/db' && e.request.operation === 'read',
      );
      const response = readEntries.find((e) => e.type === 'response')?.response as {
        data: { data: Record<string, unknown> };
      };
      assert.deepEqual(response.data.data, { password: await hashOf('hunter2-secret'), port: 5432 });
    },
  );

  it(
    'records the configured request headers, hashed where asked (sys/config/auditing/request-headers)',
    { timeout: TIMEOUT },
    async () => {
      const file = join(dir, 'logs', 'audit.log');
      assert.equal(
        (await t.api('PUT', 'sys/config/auditing/request-headers/x-forwarded-for', { hmac: false })).status,
        204,
      );
      assert.equal(
        (await t.api('PUT', 'sys/config/auditing/request-headers/X-Request-Secret', { hmac: true })).status,
        204,
      );
      const listed = await t.api('GET', 'sys/config/auditing/request-headers');
      assert.equal(listed.status, 200, listed.text);
      assert.deepEqual((listed.body.data as { headers: unknown }).headers, {
        'X-Forwarded-For': { hmac: false },
        'X-Request-Secret': { hmac: true },
      });
      const one = await t.api('GET', 'sys/config/auditing/request-headers/X-FORWARDED-FOR');
      assert.deepEqual(one.body.data, { 'X-Forwarded-For': { hmac: false } });
      const bad = await t.api('PUT', 'sys/config/auditing/request-headers/bad%20name', { hmac: true });
      assert.equal(bad.status, 400, bad.text);

      await t.api('GET', 'secret/data/with-headers', undefined, {
        headers: {
          'X-Forwarded-For': '203.0.113.7',
          'X-Request-Secret': 'opaque-value',
          'X-Other': 'not recorded',
        },
      });
      const all = await waitFor(
        file,
        (e) => e.type === 'response' && e.request.path === 'secret/data/with-headers',
      );
      const entry = all.find((e) => e.type === 'request' && e.request.path === 'secret/data/with-headers');
      const hash = await t.api('POST', 'sys/audit-hash/file', { input: 'opaque-value' });
      assert.deepEqual(entry?.request.headers, {
        'x-forwarded-for': ['203.0.113.7'],
        'x-request-secret': [(hash.body.data as { hash: string }).hash],
      });

      assert.equal(
        (await t.api('DELETE', 'sys/config/auditing/request-headers/X-Request-Secret')).status,
        204,
      );
      assert.equal(
        (await t.api('DELETE', 'sys/config/auditing/request-headers/x-forwarded-for')).status,
        204,
      );
      const empty = await t.api('GET', 'sys/config/auditing/request-headers');
      assert.deepEqual((empty.body.data as { headers: unknown }).headers, {});
      assert.equal((await t.api('GET', 'sys/config/auditing/request-headers/x-forwarded-for')).status, 404);
    },
  );

  it(
    "keeps a mount's audit_non_hmac_request_keys and _response_keys in clear",
    { timeout: TIMEOUT },
    async () => {
      const file = join(dir, 'logs', 'audit.log');
      const tuned = await t.api('POST', 'sys/mounts/secret/tune', {
        audit_non_hmac_request_keys: ['user'],
        audit_non_hmac_response_keys: ['user'],
      });
      assert.equal(tuned.status, 204, tuned.text);
      assert.equal(
        (await t.api('POST', 'secret/data/clear-user', { data: { user: 'alice', password: 'pw-1' } })).status,
        200,
      );
      assert.equal((await t.api('GET', 'secret/data/clear-user')).status, 200);
      const all = await waitFor(
        file,
        (e) =>
          e.type === 'response' &&
          e.request.path === 'secret/data/clear-user' &&
          e.request.operation === 'read',
      );
      const hash = (
        (await t.api('POST', 'sys/audit-hash/file', { input: 'pw-1' })).body.data as { hash: string }
      ).hash;
      const written = all.find(
        (e) =>
          e.type === 'request' &&
          e.request.path === 'secret/data/clear-user' &&
          e.request.operation !== 'read',
      );
      assert.deepEqual(written?.request.data, { data: { user: 'alice', password: hash } });
      const read = all.find(
        (e) =>
          e.type === 'response' &&
          e.request.path === 'secret/data/clear-user' &&
          e.request.operation === 'read',
      );
      assert.deepEqual((read?.response as { data: { data: unknown } }).data.data, {
        user: 'alice',
        password: hash,
      });
      await t.api('POST', 'sys/mounts/secret/tune', {
        audit_non_hmac_request_keys: [],
        audit_non_hmac_response_keys: [],
      });
    },
  );

  it('reopens the file on SIGHUP, after a rotation renamed it away', { timeout: TIMEOUT }, async () => {
    const file = join(dir, 'rotate.log');
    assert.equal(
      (await t.api('PUT', 'sys/audit/rotate', { type: 'file', options: { file_path: file } })).status,
      204,
    );
    await t.api('GET', 'sys/mounts');
    await waitFor(file, (e) => e.request.path === 'sys/mounts');
    await rename(file, `${file}.1`);
    t.server.child.kill('SIGHUP');
    // The reopen is asynchronous: poll with requests until the new file appears.
    const deadline = Date.now() + 10_000;
    let marker = 0;
    for (;;) {
      await t.api('GET', `secret/data/after-rotation-${marker}`);
      const fresh = await entries(file);
      if (fresh.length > 0) break;
      if (Date.now() > deadline) throw new Error('the rotated file was never reopened');
      marker++;
      await new Promise((r) => setTimeout(r, 50));
    }
    const fresh = await waitFor(file, (e) => e.request.path.startsWith('secret/data/after-rotation-'));
    assert.ok(
      fresh.every((e) => e.request.path !== 'sys/mounts'),
      'the new file starts after the rotation',
    );
    const old = await entries(`${file}.1`);
    assert.ok(old.some((e) => e.request.path === 'sys/mounts'));
    assert.equal((await t.api('DELETE', 'sys/audit/rotate')).status, 204);
  });

  it(
    'refuses bad input with a 400 that says what was wrong, and enables nothing',
    { timeout: TIMEOUT },
    async () => {
      const before = (await t.api('GET', 'sys/audit')).body.data;
      const cases: [unknown, RegExp][] = [
        [{ type: 'nope', options: { file_path: join(dir, 'x.log') } }, /unknown backend type: "nope"/],
        [{ type: 'file', options: {} }, /file_path is required/],
        [{ type: 'file', options: { file_path: '/proc/version/nope.log' } }, /cannot open the audit file/],
        [{ type: 'file', options: { file_path: join(dir, 'y.log'), mode: '0755' } }, /executable/],
        [
          { type: 'file', options: { file_path: join(dir, 'y.log'), format: 'yaml' } },
          /unknown format type "yaml"/,
        ],
        [
          { type: 'file', options: { file_path: join(dir, 'y.log'), hmac_accessor: 'maybe' } },
          /hmac_accessor/,
        ],
        [
          { type: 'file', options: { file_path: join(dir, 'y.log'), colour: 'blue' } },
          /unknown option "colour"/,
        ],
        [{ options: { file_path: join(dir, 'y.log') } }, /missing required parameter 'type'/],
      ];
      for (const [body, message] of cases) {
        const res = await t.api('PUT', 'sys/audit/bad', body);
        assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
        assert.match(errorsOf(res), message);
      }
      for (const path of ['file', 'file/nested']) {
        const res = await t.api('PUT', `sys/audit/${path}`, {
          type: 'file',
          options: { file_path: join(dir, 'z.log') },
        });
        assert.equal(res.status, 400, res.text);
        assert.match(errorsOf(res), /path already in use/);
      }
      const hash = await t.api('POST', 'sys/audit-hash/nope', { input: 'x' });
      assert.equal(hash.status, 400);
      assert.match(errorsOf(hash), /unknown audit backend "nope\/"/);
      const empty = await t.api('POST', 'sys/audit-hash/file', { input: '' });
      assert.equal(empty.status, 400);
      assert.match(errorsOf(empty), /the "input" parameter is empty/);
      assert.deepEqual((await t.api('GET', 'sys/audit')).body.data, before);
    },
  );

  it('records a refused request with its error', { timeout: TIMEOUT }, async () => {
    const file = join(dir, 'logs', 'audit.log');
    const denied = await t.api('GET', 'secret/data/db', undefined, { token: 'not-a-token' });
    assert.equal(denied.status, 403);
    const all = await waitFor(
      file,
      (e) => (e.error ?? '').includes('permission denied') && e.request.path === 'secret/data/db',
    );
    const refused = all.filter(
      (e) => (e.error ?? '').includes('permission denied') && e.request.path === 'secret/data/db',
    );
    assert.deepEqual(
      refused.map((e) => e.type),
      ['request', 'response'],
    );
  });

  it(
    'fails closed: no device recorded the request, so it is refused and changes nothing; recovery is automatic',
    { timeout: TIMEOUT },
    async () => {
      assert.equal((await t.api('DELETE', 'sys/audit/file')).status, 204);
      const fifo = join(dir, 'audit.fifo');
      execFileSync('mkfifo', [fifo]);
      // A reader first: opening a FIFO to write waits for one.
      let reader = await open(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      const enabled = await t.api('PUT', 'sys/audit/pipe', {
        type: 'file',
        options: { file_path: fifo, mode: '0000' },
      });
      assert.equal(enabled.status, 204, enabled.text);
      assert.equal((await t.api('POST', 'secret/data/closed', { data: { v: 'before' } })).status, 200);

      // Nobody reads the pipe any more: every write fails, so every request is refused.
      await reader.close();
      const refused = await t.api('POST', 'secret/data/closed', { data: { v: 'after' } });
      assert.equal(refused.status, 500, refused.text);
      assert.deepEqual(refused.body, { errors: ['internal error'] });
      // The log says so (the child's output arrives asynchronously).
      for (let i = 0; i < 100 && !t.server.output().includes('no audit device recorded the entry'); i++)
        await new Promise((r) => setTimeout(r, 50));
      assert.match(t.server.output(), /no audit device recorded the entry/);
      assert.match(
        t.server.output(),
        /audit device failed to record an entry.*EPIPE|EPIPE.*audit device failed to record an entry/,
      );

      // A reader again: the device records, and the refused write never happened.
      reader = await open(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      try {
        const read = await t.api('GET', 'secret/data/closed');
        assert.equal(read.status, 200, read.text);
        assert.deepEqual((read.body.data as { data: unknown }).data, { v: 'before' });
        assert.equal((await t.api('DELETE', 'sys/audit/pipe')).status, 204);
      } finally {
        await reader.close();
      }
    },
  );
});
