import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../../src/config/errors.js';
import { devConfig, loadConfig, loadConfigFile, type ConfigEnv } from '../../../src/config/load.js';
import type { ServerConfig } from '../../../src/config/types.js';

let dir: string;
let counter = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tresor-config-quirks-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = 'storage "inmem" {}\nlistener "tcp" {\n  tls_disable = 1\n}\n';

/** Loads a config made of the base storage and listener plus `extra`, with the given environment. */
async function load(extra: string, env: ConfigEnv = {}): Promise<Readonly<ServerConfig>> {
  const path = join(dir, `${++counter}.hcl`);
  await writeFile(path, `${base}${extra}\n`);
  return loadConfigFile(path, { env });
}

describe('config: Vault HCL quirks', () => {
  it('accepts booleans as true/false, "true"/"false", 1/0 and "1"/"0"', async () => {
    const cases: [string, boolean][] = [
      ['true', true],
      ['"true"', true],
      ['1', true],
      ['"1"', true],
      ['"TRUE"', true],
      ['false', false],
      ['"false"', false],
      ['0', false],
      ['"0"', false],
    ];
    for (const [written, expected] of cases) {
      assert.equal((await load(`ui = ${written}`)).ui, expected, `ui = ${written}`);
    }
  });

  it('accepts durations as seconds, numeric strings and Go durations', async () => {
    const cases: [string, number][] = [
      ['3600', 3600],
      ['"3600"', 3600],
      ['"90s"', 90],
      ['"1h30m"', 5400],
      ['"768h"', 768 * 3600],
    ];
    for (const [written, expected] of cases) {
      const config = await load(`default_lease_ttl = ${written}\nmax_lease_ttl = "1000h"`);
      assert.equal(config.defaultLeaseTtl, expected, `default_lease_ttl = ${written}`);
    }
  });

  it('treats a zero lease TTL as the 768h default', async () => {
    const config = await load('default_lease_ttl = 0\nmax_lease_ttl = "0s"');
    assert.equal(config.defaultLeaseTtl, 768 * 3600);
    assert.equal(config.maxLeaseTtl, 768 * 3600);
  });

  it('rejects sub-second durations instead of rounding them away', async () => {
    await assert.rejects(load('default_lease_ttl = "1500ms"'), {
      name: 'ConfigError',
      message: /default_lease_ttl: invalid duration "1500ms": durations have a precision of whole seconds/,
    });
  });

  it('accepts numbers written as strings', async () => {
    const path = join(dir, 'numbers.hcl');
    await writeFile(
      path,
      'storage "consul" {\n  max_parallel = "64"\n  session_ttl = 30\n}\nlistener "tcp" {\n  tls_disable = "1"\n  max_request_size = "1024"\n}\n',
    );
    const config = await loadConfigFile(path, { env: {} });
    assert.equal(config.storage.type === 'consul' && config.storage.maxParallel, 64);
    assert.equal(config.storage.type === 'consul' && config.storage.sessionTtl, 30);
    assert.equal(config.listeners[0]?.maxRequestSize, 1024);
  });

  it('normalises log levels: case, "warning" and "err"', async () => {
    assert.equal((await load('log_level = "WARNING"')).logLevel, 'warn');
    assert.equal((await load('log_level = "err"')).logLevel, 'error');
    assert.equal((await load('log_level = "Trace"')).logLevel, 'trace');
    assert.equal((await load('')).logLevel, 'info');
  });
});

describe('config: environment overrides (as in Vault, the environment wins)', () => {
  const file =
    'api_addr = "https://file.example.com:8200"\ncluster_addr = "https://file.example.com:8201"\nlog_level = "debug"';

  it('VAULT_API_ADDR, VAULT_CLUSTER_ADDR and VAULT_LOG_LEVEL win over the file', async () => {
    const config = await load(file, {
      VAULT_API_ADDR: 'https://env.example.com:8200/',
      VAULT_CLUSTER_ADDR: 'https://env.example.com:8201',
      VAULT_LOG_LEVEL: 'warning',
      VAULT_LOG_FORMAT: 'JSON',
    });
    assert.equal(config.apiAddr, 'https://env.example.com:8200');
    assert.equal(config.clusterAddr, 'https://env.example.com:8201');
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.logFormat, 'json');
  });

  it('the file applies when the variables are unset or empty', async () => {
    const config = await load(file, { VAULT_API_ADDR: '', VAULT_LOG_LEVEL: '' });
    assert.equal(config.apiAddr, 'https://file.example.com:8200');
    assert.equal(config.clusterAddr, 'https://file.example.com:8201');
    assert.equal(config.logLevel, 'debug');
  });

  it("falls back to Vault's older VAULT_REDIRECT_ADDR, and derives cluster_addr from it", async () => {
    const config = await load('', { VAULT_REDIRECT_ADDR: 'http://10.0.0.5:8200' });
    assert.equal(config.apiAddr, 'http://10.0.0.5:8200');
    assert.equal(config.clusterAddr, 'https://10.0.0.5:8201');
  });

  it('applies to devConfig too', () => {
    const config = devConfig({ env: { VAULT_API_ADDR: 'http://192.0.2.10:8200', VAULT_LOG_LEVEL: 'trace' } });
    assert.equal(config.apiAddr, 'http://192.0.2.10:8200');
    assert.equal(config.logLevel, 'trace');
  });

  it('CONSUL_HTTP_ADDR and CONSUL_HTTP_TOKEN fill what the consul block leaves unset', async () => {
    const path = join(dir, 'consul-env.hcl');
    await writeFile(path, 'storage "consul" {}\nlistener "tcp" {\n  tls_disable = 1\n}\n');
    const env = { CONSUL_HTTP_ADDR: 'https://consul.example.com:8501', CONSUL_HTTP_TOKEN: 'env-token' };
    const { storage } = await loadConfigFile(path, { env });
    assert.ok(storage.type === 'consul');
    assert.equal(storage.address, 'consul.example.com:8501');
    assert.equal(storage.scheme, 'https');
    assert.equal(storage.token, 'env-token');

    await writeFile(
      path,
      'storage "consul" {\n  address = "127.0.0.1:8500"\n  token = "file-token"\n}\nlistener "tcp" {\n  tls_disable = 1\n}\n',
    );
    const fromFile = (await loadConfigFile(path, { env })).storage;
    assert.ok(fromFile.type === 'consul');
    assert.equal(fromFile.address, '127.0.0.1:8500');
    assert.equal(fromFile.token, 'file-token');
  });

  it('rejects invalid environment values, naming the variable', async () => {
    await assert.rejects(
      load('', { VAULT_LOG_LEVEL: 'loud', VAULT_API_ADDR: 'vault:8200' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /^environment: VAULT_API_ADDR: invalid URL "vault:8200"/m);
        assert.match(
          err.message,
          /^environment: VAULT_LOG_LEVEL: invalid log level "loud": use trace, debug, info, warn or error$/m,
        );
        return true;
      },
    );
  });
});

describe('config: user_lockout blocks', () => {
  it('reads Vault user_lockout blocks for "all" and per auth type, and refuses unknown targets and keys', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tresor-lockout-'));
    const file = join(dir, 'c.hcl');
    await writeFile(
      file,
      'storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:8200"\n  tls_disable = true\n}\nuser_lockout "all" {\n  lockout_threshold = 7\n  lockout_duration = "10m"\n}\nuser_lockout "userpass" {\n  disable_lockout = "true"\n}\n',
    );
    const config = await loadConfig([file], { env: {} });
    assert.deepEqual(config.userLockout, {
      all: { threshold: 7, duration: 600 },
      userpass: { disabled: true },
    });
    await writeFile(
      file,
      'storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:8200"\n  tls_disable = true\n}\nuser_lockout "github" {\n  lockout_threshold = 3\n}\nuser_lockout "all" {\n  lockout_treshold = 3\n}\n',
    );
    await assert.rejects(loadConfig([file], { env: {} }), (err: Error) => {
      assert.match(err.message, /user_lockout "github" is not a lockout target/);
      assert.match(err.message, /lockout_treshold/);
      assert.match(err.message, /c\.hcl/);
      return true;
    });
    await rm(dir, { recursive: true, force: true });
  });
});
