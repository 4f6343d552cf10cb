import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../../src/config/errors.js';
import { loadConfig, loadConfigFile } from '../../../src/config/load.js';
import { VaultError } from '../../../src/helper/errors.js';

let dir: string;
let counter = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tresor-config-errors-'));
  await writeFile(join(dir, 'cert.pem'), '-----BEGIN CERTIFICATE-----\n');
  await writeFile(join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\n');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const listener = 'listener "tcp" {\n  tls_disable = 1\n}\n';
const storage = 'storage "inmem" {}\n';

/** Writes `text` to a new file and returns its path. */
async function write(text: string, ext = 'hcl'): Promise<string> {
  const path = join(dir, `${++counter}-config.${ext}`);
  await writeFile(path, text);
  return path;
}

/**
 * Loads `text` and asserts a ConfigError whose message has one line per expected problem, each
 * `<file>: <expected>`; returns the error.
 */
async function expectProblems(
  text: string,
  expected: (string | RegExp)[],
  ext = 'hcl',
): Promise<ConfigError> {
  const file = await write(text, ext);
  let caught: unknown;
  try {
    await loadConfigFile(file, { env: {} });
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  const lines = caught.message.split('\n');
  for (const want of expected) {
    const found = lines.some((line) =>
      typeof want === 'string'
        ? line === `${file}: ${want}`
        : line.startsWith(`${file}: `) && want.test(line),
    );
    assert.ok(found, `no line "${file}: ${String(want)}" in:\n${caught.message}`);
  }
  return caught;
}

describe('config: bad input is refused with a message naming file and key', () => {
  it('an unknown top-level key, with a suggestion', async () => {
    const err = await expectProblems(`${listener}stroage "file" {\n  path = "/x"\n}\n`, [
      'unknown key "stroage"; did you mean "storage"?',
    ]);
    assert.ok(err instanceof VaultError);
    assert.equal(err.status, 400);
    assert.ok(err.problems.some((p) => p.message.startsWith('unknown key "stroage"')));
  });

  it('an unknown nested key names the block it is in', async () => {
    await expectProblems(`${storage}listener "tcp" {\n  tls_disabel = true\n}\n`, [
      'unknown key "tls_disabel" in listener.tcp[0]; did you mean "tls_disable"?',
    ]);
    await expectProblems(`storage "consul" {\n  sesion_ttl = "10s"\n}\n${listener}`, [
      'unknown key "sesion_ttl" in storage.consul; did you mean "session_ttl"?',
    ]);
    await expectProblems(`${storage}${listener}telemetry {\n  statsd_address = "x:1"\n}\n`, [
      'unknown key "statsd_address" in telemetry',
    ]);
  });

  it('a value of the wrong type', async () => {
    await expectProblems(`${storage}listener "tcp" {\n  tls_disable = "yes"\n}\n`, [
      'listener.tcp[0].tls_disable: must be a boolean',
    ]);
    await expectProblems(`${storage}${listener}ui = "maybe"\ncluster_name = 7\n`, [
      'ui: must be a boolean',
      'cluster_name: must be a string',
    ]);
    await expectProblems(
      `storage "consul" {\n  max_parallel = "many"\n  consistency_mode = "eventual"\n}\n${listener}`,
      [
        'storage.consul.max_parallel: must be a number',
        'storage.consul.consistency_mode: must be one of default, strong',
      ],
    );
  });

  it('a bad duration', async () => {
    await expectProblems(`storage "consul" {\n  lock_delay = "soon"\n  check_ttl = 0\n}\n${listener}`, [
      'storage.consul.lock_delay: must be a duration such as "250ms", "1.5s" or a number of seconds (got "soon")',
      'storage.consul.check_ttl: must be at least 100ms',
    ]);
  });

  it('two storage blocks', async () => {
    await expectProblems(`storage "file" {\n  path = "/a"\n}\nstorage "consul" {}\n${listener}`, [
      'storage: only one storage block is allowed, found 2: storage "consul", storage "file"',
    ]);
    await expectProblems(
      `storage "file" {\n  path = "/a"\n}\nstorage "file" {\n  path = "/b"\n}\n${listener}`,
      [/storage: only one storage block is allowed, found 2/],
    );
  });

  it('storage defined in two files', async () => {
    const first = await write(`${storage}${listener}`);
    const second = await write(storage);
    await assert.rejects(loadConfig([first, second], { env: {} }), {
      message: `${second}: storage.inmem: already defined in ${first}; define it once`,
    });
  });

  it('missing storage', async () => {
    await expectProblems(listener, [
      'no storage block; add one, such as storage "file" { path = "/var/lib/tresor" }',
    ]);
  });

  it('missing listener', async () => {
    await expectProblems(storage, [/no listener block/]);
  });

  it('an unsupported storage, listener or seal type', async () => {
    await expectProblems(`storage "raft" {\n  path = "/x"\n}\nlistener "unix" {}\nseal "transit" {}\n`, [
      'storage.raft: storage type "raft" is not supported; use "inmem", "file" or "consul"',
      'listener.unix[0]: listener type "unix" is not supported; use "tcp"',
      /^.*seal\.transit: seal type "transit" is not supported yet/,
    ]);
  });

  it('TLS without a certificate', async () => {
    await expectProblems(`${storage}listener "tcp" {\n  address = "127.0.0.1:8200"\n}\n`, [
      'listener.tcp[0]: TLS is enabled but tls_cert_file and tls_key_file are not set; set tls_cert_file and tls_key_file, or tls_disable = true',
    ]);
    await expectProblems(`${storage}listener "tcp" {\n  tls_cert_file = "${dir}/cert.pem"\n}\n`, [
      /listener\.tcp\[0\]: TLS is enabled but tls_key_file is not set/,
    ]);
  });

  it('a certificate file that does not exist', async () => {
    const missing = join(dir, 'nope.pem');
    await expectProblems(
      `${storage}listener "tcp" {\n  tls_cert_file = "${missing}"\n  tls_key_file = "${dir}/key.pem"\n}\n`,
      [`listener.tcp[0].tls_cert_file: cannot read "${missing}": no such file or directory`],
    );
    await expectProblems(`storage "consul" {\n  tls_ca_file = "${dir}"\n}\n${listener}`, [
      `storage.consul.tls_ca_file: cannot read "${dir}": not a regular file`,
    ]);
  });

  it('a bad log_level', async () => {
    await expectProblems(`${storage}${listener}log_level = "verbose"\n`, [
      'log_level: invalid log level "verbose": use trace, debug, info, warn or error',
    ]);
  });

  it('default_lease_ttl greater than max_lease_ttl', async () => {
    await expectProblems(`${storage}${listener}default_lease_ttl = "800h"\n`, [
      'default_lease_ttl (800h0m0s) must not be greater than max_lease_ttl (768h0m0s)',
    ]);
  });

  it('invalid HCL syntax names the line', async () => {
    const err = await expectProblems(`${storage}listener "tcp" {\n  address = \n}\n`, [
      /^.*: line 3, column \d+: invalid HCL: /,
    ]);
    assert.equal(err.problems.length, 1);
  });

  it('invalid JSON names the line', async () => {
    await expectProblems(
      '{\n  "storage": {"inmem": {}}\n  "ui": true\n}\n',
      [/: line 3, column 3: invalid JSON: Expected ',' or '}' after property value/],
      'json',
    );
    await expectProblems(
      '{\n  "storage": {"inmem": {}},\n  "listener": [\n',
      [/: line 4, column 1: invalid JSON: /],
      'json',
    );
  });

  it('an invalid address or URL', async () => {
    await expectProblems(`${storage}listener "tcp" {\n  address = "localhost"\n  tls_disable = 1\n}\n`, [
      'listener.tcp[0].address: invalid address "localhost": expected host:port such as "127.0.0.1:8200" or "[::1]:8200"',
    ]);
    await expectProblems(
      `${storage}listener "tcp" {\n  address = "127.0.0.1:99999"\n  tls_disable = 1\n}\n`,
      [/listener\.tcp\[0\]\.address: invalid address "127\.0\.0\.1:99999"/],
    );
    await expectProblems(
      `${storage}${listener}api_addr = "vault.example.com:8200"\ncluster_addr = "https://h/path"\n`,
      [
        /^.*: api_addr: invalid URL "vault\.example\.com:8200": expected http:\/\/ or https:\/\//,
        /^.*: cluster_addr: invalid URL "https:\/\/h\/path"/,
      ],
    );
    await expectProblems(`storage "consul" {\n  address = "consul"\n}\n${listener}`, [
      /storage\.consul\.address: invalid address "consul": expected host:port/,
    ]);
    await expectProblems(
      `${storage}listener "tcp" {\n  tls_disable = 1\n  x_forwarded_for_authorized_addrs = "10.0.0.0/33"\n}\n`,
      [/listener\.tcp\[0\]\.x_forwarded_for_authorized_addrs: invalid address "10\.0\.0\.0\/33"/],
    );
  });

  it('a block given a plain value', async () => {
    await expectProblems(`${listener}storage = "file"\n`, [
      /storage: expected labelled blocks such as storage "type"/,
    ]);
  });

  it('a file that cannot be read', async () => {
    const missing = join(dir, 'missing.hcl');
    await assert.rejects(loadConfigFile(missing, { env: {} }), {
      name: 'ConfigError',
      message: `${missing}: cannot read the configuration: no such file or directory`,
    });
  });

  it('reports every problem at once', async () => {
    const err = await expectProblems(`listener "tcp" {\n  tls_disable = "nope"\n}\nui = "x"\nbogus = 1\n`, [
      'listener.tcp[0].tls_disable: must be a boolean',
      'ui: must be a boolean',
      'unknown key "bogus"',
    ]);
    assert.equal(err.problems.length, 3);
  });
});
