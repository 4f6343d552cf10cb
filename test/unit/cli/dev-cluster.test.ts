import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { devClusterCommand, devClusterOptions } from '../../../src/cli/commands/dev-cluster.js';
import { FlagError, parseFlags } from '../../../src/helper/go/flags.js';
import { banner, READY_LINE } from '../../../src/cli/dev-cluster/banner.js';
import { KEYS_FILE_WARNING, writeKeysFile } from '../../../src/cli/dev-cluster/keys-file.js';
import { roleOfHealthCode } from '../../../src/cluster/node-api.js';
import { nodeEnv } from '../../../src/cluster/tresor-node.js';
import { devNodeConfig, planNodes } from '../../../src/cli/dev-cluster/nodes.js';
import { preferredPort, tcpFree } from '../../../src/helper/ports.js';

const options = (argv: string[]): ReturnType<typeof devClusterOptions> =>
  devClusterOptions(parseFlags(devClusterCommand.flags, argv).flags);

describe('tresor dev-cluster', () => {
  it('defaults to 3 nodes from 8200, Consul on 8500, DNS on 8600, and checks its flags', () => {
    assert.deepEqual(options([]), {
      nodes: 3,
      basePort: 8200,
      consulBin: '',
      consulPort: 8500,
      dir: '',
      dnsPort: 8600,
      logLevel: 'info',
      consulServers: 1,
      consulAgents: false,
    });
    assert.equal(options(['-nodes=5', '-dns-port=-1', '-dir=/tmp/x']).nodes, 5);
    const production = options(['-consul-servers=3', '-consul-agents']);
    assert.equal(production.consulServers, 3);
    assert.equal(production.consulAgents, true);
    for (const bad of [
      ['-nodes=0'],
      ['-nodes=10'],
      ['-base-port=65530'],
      ['-dns-port=-2'],
      ['-log-level=loud'],
      ['-consul-servers=2'],
      ['-consul-servers=0'],
    ]) {
      assert.throws(() => options(bad), FlagError, bad.join(' '));
    }
  });

  it('lays the nodes out 10 ports apart and writes configs the real loader accepts', async () => {
    const nodes = planNodes(3, 8200);
    assert.deepEqual(
      nodes.map((n) => [n.name, n.addr]),
      [
        ['node1', 'http://127.0.0.1:8200'],
        ['node2', 'http://127.0.0.1:8210'],
        ['node3', 'http://127.0.0.1:8220'],
      ],
    );
    const dir = await mkdtemp(join(tmpdir(), 'tresor-dc-unit-'));
    try {
      const path = join(dir, 'node2.hcl');
      await writeFile(path, devNodeConfig(nodes[1]!, '127.0.0.1:8500'));
      const config = await loadConfig([path], { env: {} });
      assert.equal(config.storage.type, 'consul');
      assert.equal(config.apiAddr, 'http://127.0.0.1:8210');
      assert.equal(config.clusterAddr, 'https://127.0.0.1:8211');
      const listener = config.listeners[0]!;
      assert.equal(listener.address, '127.0.0.1:8210');
      assert.equal(listener.tls, undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the caller’s VAULT_* and CONSUL_HTTP_* variables away from the nodes', () => {
    const env = nodeEnv({
      PATH: '/bin',
      VAULT_API_ADDR: 'http://elsewhere',
      CONSUL_HTTP_TOKEN: 't',
      HOME: '/h',
    });
    assert.deepEqual(env, { PATH: '/bin', HOME: '/h' });
  });

  it('writes the keys file with mode 0600, replacing an older one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tresor-dc-unit-'));
    try {
      const path = join(dir, 'cluster-keys.json');
      await writeFile(path, 'old', { mode: 0o644 });
      const content = {
        WARNING: KEYS_FILE_WARNING,
        unseal_keys_b64: ['a', 'b', 'c', 'd', 'e'],
        unseal_keys_hex: ['1', '2', '3', '4', '5'],
        unseal_shares: 5,
        unseal_threshold: 3,
        root_token: 'hvs.x',
        consul_http_addr: '127.0.0.1:8500',
        nodes: [{ name: 'node1', api_addr: 'http://127.0.0.1:8200' }],
      };
      await writeKeysFile(path, content);
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), content);
      assert.match(KEYS_FILE_WARNING, /^DEVELOPMENT ONLY/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('maps sys/health codes to roles', () => {
    assert.deepEqual([200, 429, 503, 501, 500].map(roleOfHealthCode), [
      'active',
      'standby',
      'sealed',
      'uninitialized',
      'unknown',
    ]);
  });

  it('moves a busy preferred port to a free one', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const address = busy.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      assert.equal(await tcpFree(port), false);
      const moved = await preferredPort(port, false, new Set());
      assert.equal(moved.moved, true);
      assert.notEqual(moved.port, port);
      assert.equal((await preferredPort(0, false, new Set())).moved, false);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('prints every address, the warning and the ready line last', () => {
    const text = banner({
      consul: { httpAddr: '127.0.0.1:8500', pid: 10, moved: false },
      nodes: [
        { name: 'node1', addr: 'http://127.0.0.1:8200', pid: 11, role: 'active' },
        { name: 'node2', addr: 'http://127.0.0.1:8210', pid: 12, role: 'standby' },
      ],
      dns: { udpPort: 8600, tcpPort: 8600, httpPort: 8601 },
      keysFile: '/tmp/k/cluster-keys.json',
      keysKept: true,
      rootToken: 'hvs.root',
      storagePath: 'tresor/',
      configDir: '/tmp/w/nodes',
    });
    assert.match(text, /WARNING!/);
    assert.match(text, /http:\/\/127\.0\.0\.1:8500\/ui\//);
    assert.match(text, /node1 +http:\/\/127\.0\.0\.1:8200 +active +pid 11/);
    assert.match(text, /node2 +http:\/\/127\.0\.0\.1:8210 +standby +pid 12/);
    assert.match(text, /dig @127\.0\.0\.1 -p 8600 active\.vault\.consul/);
    assert.equal(text.trimEnd().split('\n').at(-1), READY_LINE);
  });
});
