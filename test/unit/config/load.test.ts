import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { devConfig, loadConfig, loadConfigFile } from '../../../src/config/load.js';
import type { ServerConfig } from '../../../src/config/types.js';

let dir: string;
let counter = 0;

/** Writes a file in this suite's temporary directory and returns its path. */
async function write(name: string, text: string): Promise<string> {
  const path = join(dir, `${++counter}-${name}`);
  await writeFile(path, text);
  return path;
}

const noEnv = { env: {} };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tresor-config-'));
  await writeFile(join(dir, 'cert.pem'), '-----BEGIN CERTIFICATE-----\n');
  await writeFile(join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\n');
  await writeFile(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fullHcl = (): string => `
storage "consul" {
  address = "127.0.0.1:8500"
  path = "tresor/"
  token = "s3cr3t"
  session_ttl = "20s"
  consistency_mode = "strong"
  service_tags = "blue, eu-west"
  lock_delay = "2s"
  check_ttl = "3s"
}

listener "tcp" {
  address = "10.1.2.3:8200"
  cluster_address = "10.1.2.3:8201"
  tls_cert_file = "${dir}/cert.pem"
  tls_key_file = "${dir}/key.pem"
  tls_client_ca_file = "${dir}/ca.pem"
  tls_min_version = "tls13"
  max_request_size = 1048576
  max_request_duration = "30s"
  x_forwarded_for_authorized_addrs = "10.0.0.0/8,192.168.1.1"
  standby_redirect = true
}

seal "shamir" {}

telemetry {
  prometheus_retention_time = "1h"
  disable_hostname = true
}

api_addr = "https://vault-1.example.com:8200"
cluster_addr = "https://vault-1.example.com:8201"
cluster_name = "tresor-eu"
ui = true
disable_mlock = true
log_level = "debug"
log_format = "json"
default_lease_ttl = "1h"
max_lease_ttl = "24h"
disable_cache = false
plugin_directory = "/usr/lib/tresor/plugins"
raw_storage_endpoint = true
pid_file = "/run/tresor.pid"
`;

const fullJson = (): string =>
  JSON.stringify({
    storage: {
      consul: {
        address: '127.0.0.1:8500',
        path: 'tresor/',
        token: 's3cr3t',
        session_ttl: '20s',
        consistency_mode: 'strong',
        service_tags: 'blue, eu-west',
        lock_delay: '2s',
        check_ttl: '3s',
      },
    },
    listener: [
      {
        tcp: {
          address: '10.1.2.3:8200',
          cluster_address: '10.1.2.3:8201',
          tls_cert_file: `${dir}/cert.pem`,
          tls_key_file: `${dir}/key.pem`,
          tls_client_ca_file: `${dir}/ca.pem`,
          tls_min_version: 'tls13',
          max_request_size: 1048576,
          max_request_duration: '30s',
          x_forwarded_for_authorized_addrs: '10.0.0.0/8,192.168.1.1',
          standby_redirect: true,
        },
      },
    ],
    seal: { shamir: {} },
    telemetry: { prometheus_retention_time: '1h', disable_hostname: true },
    api_addr: 'https://vault-1.example.com:8200',
    cluster_addr: 'https://vault-1.example.com:8201',
    cluster_name: 'tresor-eu',
    ui: true,
    disable_mlock: true,
    log_level: 'debug',
    log_format: 'json',
    default_lease_ttl: '1h',
    max_lease_ttl: '24h',
    disable_cache: false,
    plugin_directory: '/usr/lib/tresor/plugins',
    raw_storage_endpoint: true,
    pid_file: '/run/tresor.pid',
  });

/** Asserts that every object and array in the value is frozen. */
function assertDeepFrozen(value: unknown, path = 'config'): void {
  if (typeof value !== 'object' || value === null) return;
  assert.ok(Object.isFrozen(value), `${path} is not frozen`);
  for (const [key, child] of Object.entries(value)) assertDeepFrozen(child, `${path}.${key}`);
}

/** The configuration without the list of files it came from, to compare two sources. */
const withoutFiles = (config: Readonly<ServerConfig>): ServerConfig => ({ ...config, files: [] });

describe('config: a full valid file', () => {
  it('reads every key of an HCL file into the typed, normalised form', async () => {
    const file = await write('config.hcl', fullHcl());
    const config = await loadConfigFile(file, noEnv);

    assert.deepEqual(config.storage, {
      type: 'consul',
      address: '127.0.0.1:8500',
      scheme: 'http',
      token: 's3cr3t',
      tls: { minVersion: 'tls12', skipVerify: false },
      service: 'vault',
      serviceTags: ['blue', 'eu-west'],
      checkTimeout: 5,
      path: 'tresor/',
      sessionTtl: 20,
      lockWaitTime: 15,
      maxParallel: 128,
      consistencyMode: 'strong',
      disableRegistration: false,
      lockDelayMs: 2000,
      checkTtlMs: 3000,
    });
    assert.deepEqual(config.listeners, [
      {
        type: 'tcp',
        address: '10.1.2.3:8200',
        host: '10.1.2.3',
        port: 8200,
        clusterAddress: '10.1.2.3:8201',
        tls: {
          certFile: `${dir}/cert.pem`,
          keyFile: `${dir}/key.pem`,
          clientCaFile: `${dir}/ca.pem`,
          requireAndVerifyClientCert: false,
          disableClientCerts: false,
          minVersion: 'tls13',
        },
        maxRequestSize: 1048576,
        maxRequestDuration: 30,
        xForwardedForAuthorizedAddrs: ['10.0.0.0/8', '192.168.1.1'],
        standbyRedirect: true,
        unauthenticatedMetricsAccess: false,
      },
    ]);
    assert.equal(config.serviceRegistration?.source, 'storage');
    assert.equal(config.serviceRegistration.token, 's3cr3t');
    assert.deepEqual(config.seal, { type: 'shamir' });
    assert.equal(config.apiAddr, 'https://vault-1.example.com:8200');
    assert.equal(config.clusterAddr, 'https://vault-1.example.com:8201');
    assert.equal(config.clusterName, 'tresor-eu');
    assert.equal(config.ui, true);
    assert.equal(config.disableMlock, true);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.logFormat, 'json');
    assert.equal(config.defaultLeaseTtl, 3600);
    assert.equal(config.maxLeaseTtl, 86400);
    assert.equal(config.disableCache, false);
    assert.equal(config.pluginDirectory, '/usr/lib/tresor/plugins');
    assert.equal(config.rawStorageEndpoint, true);
    assert.deepEqual(config.telemetry, {
      prometheusRetentionTime: 3600,
      disableHostname: true,
      unauthenticatedMetricsAccess: false,
    });
    assert.equal(config.pidFile, '/run/tresor.pid');
    assert.deepEqual(config.files, [file]);
    assert.deepEqual(config.warnings, []);
  });

  it('returns a deeply frozen object', async () => {
    const config = await loadConfigFile(await write('config.hcl', fullHcl()), noEnv);
    assertDeepFrozen(config);
    assert.throws(() => {
      (config as { logLevel: string }).logLevel = 'trace';
    }, TypeError);
    assert.throws(() => {
      (config.listeners as unknown[]).push({});
    }, TypeError);
  });

  it('reads the same configuration written in JSON', async () => {
    const fromHcl = await loadConfigFile(await write('config.hcl', fullHcl()), noEnv);
    const fromJson = await loadConfigFile(await write('config.json', fullJson()), noEnv);
    assert.deepEqual(withoutFiles(fromJson), withoutFiles(fromHcl));
  });

  it("accepts Vault's other JSON shapes and the old name backend", async () => {
    const shapes = [
      {
        backend: { file: { path: '/data' } },
        listener: { tcp: { address: '127.0.0.1:8300', tls_disable: '1' } },
      },
      {
        storage: { file: [{ path: '/data' }] },
        listener: { tcp: [{ address: '127.0.0.1:8300', tls_disable: 1 }] },
      },
      {
        storage: [{ file: { path: '/data' } }],
        listener: [{ tcp: [{ address: '127.0.0.1:8300', tls_disable: true }] }],
      },
    ];
    for (const shape of shapes) {
      const config = await loadConfigFile(await write('shape.json', JSON.stringify(shape)), noEnv);
      assert.deepEqual(config.storage, { type: 'file', path: '/data' });
      assert.equal(config.listeners.length, 1);
      assert.equal(config.listeners[0]?.port, 8300);
      assert.equal(config.listeners[0].tls, undefined);
      assert.equal(config.apiAddr, 'http://127.0.0.1:8300');
    }
  });
});

describe('config: listeners and derived addresses', () => {
  it('keeps several listeners in order and derives api_addr from the first', async () => {
    const file = await write(
      'listeners.hcl',
      `storage "inmem" {}
listener "tcp" {
  address = "127.0.0.1:9200"
  cluster_address = "127.0.0.1:9300"
  tls_disable = true
}
listener "tcp" {
  address = "[::1]:9400"
  tls_disable = true
  telemetry {
    unauthenticated_metrics_access = true
  }
}
listener "tcp" {
  tls_disable = "true"
}
`,
    );
    const config = await loadConfigFile(file, noEnv);
    assert.deepEqual(
      config.listeners.map((l) => [
        l.address,
        l.host,
        l.port,
        l.clusterAddress,
        l.unauthenticatedMetricsAccess,
      ]),
      [
        ['127.0.0.1:9200', '127.0.0.1', 9200, '127.0.0.1:9300', false],
        ['[::1]:9400', '::1', 9400, '[::1]:9401', true],
        ['127.0.0.1:8200', '127.0.0.1', 8200, '127.0.0.1:8201', false],
      ],
    );
    assert.equal(config.apiAddr, 'http://127.0.0.1:9200');
    assert.equal(config.clusterAddr, 'https://127.0.0.1:9300');
    assert.equal(config.listeners[0]?.maxRequestSize, 33554432);
    assert.equal(config.listeners[0].maxRequestDuration, 90);
    assert.equal(config.listeners[0].tls, undefined);
  });

  it('derives an https api_addr from a TLS listener and cluster_addr from its port + 1', async () => {
    const file = await write(
      'tls.hcl',
      `storage "inmem" {}
listener "tcp" {
  address = "vault.internal:443"
  tls_cert_file = "${dir}/cert.pem"
  tls_key_file = "${dir}/key.pem"
}`,
    );
    const config = await loadConfigFile(file, noEnv);
    assert.equal(config.apiAddr, 'https://vault.internal');
    assert.equal(config.clusterAddr, 'https://vault.internal:444');
    assert.equal(config.listeners[0]?.tls?.minVersion, 'tls12');
  });

  it('warns when api_addr is derived from a wildcard listener, never advertising 0.0.0.0', async () => {
    const file = await write(
      'wild.hcl',
      'storage "inmem" {}\nlistener "tcp" {\n  address = "0.0.0.0:8200"\n  tls_disable = 1\n}\n',
    );
    const config = await loadConfigFile(file, noEnv);
    assert.doesNotMatch(config.apiAddr, /0\.0\.0\.0/);
    assert.match(config.apiAddr, /^http:\/\/[\d.]+:8200$/);
    assert.match(config.warnings[0] ?? '', /api_addr is not set .* set api_addr \(or VAULT_API_ADDR\)/);
  });

  it('maps a negative max_request_size to 0 (no limit) and 0 to the default', async () => {
    const text = (size: string): string =>
      `storage "inmem" {}\nlistener "tcp" {\n  tls_disable = 1\n  max_request_size = ${size}\n}\n`;
    assert.equal(
      (await loadConfigFile(await write('a.hcl', text('-1')), noEnv)).listeners[0]?.maxRequestSize,
      0,
    );
    assert.equal(
      (await loadConfigFile(await write('b.hcl', text('0')), noEnv)).listeners[0]?.maxRequestSize,
      33554432,
    );
  });
});

describe('config: consul storage', () => {
  it('fills Vault defaults and tight HA defaults for an empty block', async () => {
    const file = await write('consul.hcl', 'storage "consul" {}\nlistener "tcp" {\n  tls_disable = 1\n}\n');
    const config = await loadConfigFile(file, noEnv);
    assert.deepEqual(config.storage, {
      type: 'consul',
      address: '127.0.0.1:8500',
      scheme: 'http',
      tls: { minVersion: 'tls12', skipVerify: false },
      service: 'vault',
      serviceTags: [],
      checkTimeout: 5,
      path: 'vault/',
      sessionTtl: 15,
      lockWaitTime: 15,
      maxParallel: 128,
      consistencyMode: 'default',
      disableRegistration: false,
      lockDelayMs: 0,
      checkTtlMs: 1500,
    });
    assert.equal(config.haStorage, undefined);
    assert.deepEqual(config.serviceRegistration, {
      type: 'consul',
      source: 'storage',
      address: '127.0.0.1:8500',
      scheme: 'http',
      tls: { minVersion: 'tls12', skipVerify: false },
      service: 'vault',
      serviceTags: [],
      checkTimeout: 5,
      deregisterCriticalServiceAfter: 3600,
    });
  });

  it('strips leading slashes from path and appends the trailing one', async () => {
    const cases: [string, string][] = [
      ['vault', 'vault/'],
      ['/vault', 'vault/'],
      ['//a/b', 'a/b/'],
      ['tresor/prod/', 'tresor/prod/'],
    ];
    for (const [given, expected] of cases) {
      const file = await write(
        'path.hcl',
        `storage "consul" {\n  path = "${given}"\n}\nlistener "tcp" {\n  tls_disable = 1\n}\n`,
      );
      const { storage } = await loadConfigFile(file, noEnv);
      assert.equal(storage.type === 'consul' ? storage.path : undefined, expected, given);
    }
  });

  it('takes the scheme from an address prefix, and a unix socket as is', async () => {
    const file = await write(
      'scheme.hcl',
      `storage "consul" {\n  address = "https://consul.internal:8501"\n}\nha_storage "consul" {\n  address = "unix:///run/consul.sock"\n  disable_registration = "true"\n}\nlistener "tcp" {\n  tls_disable = 1\n}\n`,
    );
    const config = await loadConfigFile(file, noEnv);
    assert.equal(config.storage.type === 'consul' && config.storage.address, 'consul.internal:8501');
    assert.equal(config.storage.type === 'consul' && config.storage.scheme, 'https');
    assert.equal(config.haStorage?.address, 'unix:///run/consul.sock');
    assert.equal(config.haStorage.disableRegistration, true);
    // ha_storage comes before storage for registration, and it disabled registration
    assert.equal(config.serviceRegistration, undefined);
  });

  it('prefers a service_registration block to the storage for registering the service', async () => {
    const file = await write(
      'sr.hcl',
      `storage "consul" {\n  service = "from-storage"\n}
service_registration "consul" {
  address = "127.0.0.1:8600"
  service = "tresor"
  service_tags = "a,b"
  service_address = ""
  check_timeout = "10s"
  deregister_critical_service_after = "5m"
}
listener "tcp" {\n  tls_disable = 1\n}\n`,
    );
    const { serviceRegistration } = await loadConfigFile(file, noEnv);
    assert.deepEqual(serviceRegistration, {
      type: 'consul',
      source: 'service_registration',
      address: '127.0.0.1:8600',
      scheme: 'http',
      tls: { minVersion: 'tls12', skipVerify: false },
      service: 'tresor',
      serviceTags: ['a', 'b'],
      serviceAddress: '',
      checkTimeout: 10,
      deregisterCriticalServiceAfter: 300,
    });
  });
});

describe('config: several files and directories', () => {
  it('merges files like repeated -config: later values win, listeners add up', async () => {
    const sub = join(dir, 'conf.d');
    await mkdir(sub);
    await writeFile(
      join(sub, '10-storage.hcl'),
      'storage "file" {\n  path = "/data"\n}\nlog_level = "info"\nui = true\n',
    );
    await writeFile(
      join(sub, '20-listener.json'),
      JSON.stringify({ listener: { tcp: { address: '127.0.0.1:8210', tls_disable: 1 } } }),
    );
    await writeFile(
      join(sub, '30-override.hcl'),
      'log_level = "err"\nlistener "tcp" {\n  address = "127.0.0.1:8220"\n  tls_disable = 1\n}\n',
    );
    await writeFile(join(sub, 'notes.txt'), 'not a config');
    await writeFile(join(sub, '.hidden.hcl'), 'garbage {');
    const extra = await write('extra.hcl', 'ui = false\n');

    const config = await loadConfig([sub, extra], noEnv);
    assert.deepEqual(config.files, [
      join(sub, '10-storage.hcl'),
      join(sub, '20-listener.json'),
      join(sub, '30-override.hcl'),
      extra,
    ]);
    assert.deepEqual(config.storage, { type: 'file', path: '/data' });
    assert.deepEqual(
      config.listeners.map((l) => l.port),
      [8210, 8220],
    );
    assert.equal(config.logLevel, 'error');
    assert.equal(config.ui, false);
  });
});

describe('config: devConfig', () => {
  it('is the configuration of server -dev', () => {
    const config = devConfig({ env: {} });
    assert.deepEqual(config.storage, { type: 'inmem' });
    assert.equal(config.listeners.length, 1);
    assert.equal(config.listeners[0]?.address, '127.0.0.1:8200');
    assert.equal(config.listeners[0].tls, undefined);
    assert.equal(config.apiAddr, 'http://127.0.0.1:8200');
    assert.equal(config.clusterAddr, 'https://127.0.0.1:8201');
    assert.equal(config.ui, true);
    assert.equal(config.disableMlock, true);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.defaultLeaseTtl, 768 * 3600);
    assert.deepEqual(config.files, ['-dev']);
    assertDeepFrozen(config);
  });

  it('listens where -dev-listen-address says', () => {
    const config = devConfig({ listenAddress: '127.0.0.1:18200', env: {} });
    assert.equal(config.listeners[0]?.port, 18200);
    assert.equal(config.apiAddr, 'http://127.0.0.1:18200');
  });

  it('rejects a bad listen address with a message naming it', () => {
    assert.throws(() => devConfig({ listenAddress: 'localhost', env: {} }), {
      message: /^-dev: listener\.tcp\[0\]\.address: invalid address "localhost"/,
    });
  });
});
