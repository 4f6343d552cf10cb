/**
 * tresor against a Consul agent that serves its HTTP API only to TLS clients with a certificate
 * (verify_incoming, verify_outgoing), with a CA this test makes: storage, registration and the
 * bundled resolver over HTTPS, and each misconfiguration refused at start with what to fix.
 */
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolverConfig, withOverrides } from '../../../dns/config.js';
import { startResolver } from '../../../dns/main.js';
import { initCluster, unsealNode, waitForRoles } from '../../../src/cluster/bootstrap.js';
import { silentLogger } from '../../../src/helper/logger.js';
import { freePort } from '../../../src/helper/ports.js';
import { CONSUL_START_TIMEOUT, startConsul, type ConsulAgent } from '../../helpers/consul.js';
import { TestPki, type Ca, type Issued } from '../../helpers/openssl-pki.js';
import { cli, startServerProcess, type ServerProcess } from '../../helpers/server-process.js';

const TEST_TIMEOUT = 120_000;

describe('Consul over TLS with verify_incoming (a test-made CA)', { timeout: CONSUL_START_TIMEOUT }, () => {
  let pki: TestPki;
  let ca: Ca;
  let otherCa: Ca;
  let client: Issued;
  let strangerClient: Issued;
  let agent: ConsulAgent;
  let dir: string;
  let https: string;

  before(
    async () => {
      pki = await TestPki.create();
      ca = await pki.createCa('consul-ca');
      otherCa = await pki.createCa('other-ca');
      const server = await pki.issue(ca, 'consul-server', {
        cn: 'server.dc1.consul',
        dns: ['server.dc1.consul', 'localhost'],
        ips: ['127.0.0.1'],
        eku: ['serverAuth', 'clientAuth'],
      });
      client = await pki.issue(ca, 'tresor-client', { cn: 'tresor', eku: ['clientAuth'] });
      strangerClient = await pki.issue(otherCa, 'stranger', { cn: 'stranger', eku: ['clientAuth'] });
      agent = await startConsul({
        tls: { caFile: ca.certFile, certFile: server.certFile, keyFile: server.keyFile },
      });
      https = agent.httpsAddr ?? '';
      dir = await mkdtemp(join(tmpdir(), 'tresor-consul-tls-'));
    },
    { timeout: CONSUL_START_TIMEOUT },
  );

  after(async () => {
    await agent.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(pki.dir, { recursive: true, force: true });
  });

  /** A node config whose storage "consul" block carries `tlsLines`. */
  async function nodeConfig(name: string, port: number, tlsLines: readonly string[]): Promise<string> {
    const file = join(dir, `${name}.hcl`);
    await writeFile(
      file,
      [
        'storage "consul" {',
        `  address = "${https}"`,
        `  path    = "tresor-${name}/"`,
        ...tlsLines.map((l) => `  ${l}`),
        '}',
        'listener "tcp" {',
        `  address     = "127.0.0.1:${port}"`,
        '  tls_disable = true',
        '}',
        `api_addr = "http://127.0.0.1:${port}"`,
        `cluster_addr = "https://127.0.0.1:${port + 1}"`,
        '',
      ].join('\n'),
    );
    return file;
  }

  const goodTls = (): string[] => [
    'scheme        = "https"',
    `tls_ca_file   = "${ca.certFile}"`,
    `tls_cert_file = "${client.certFile}"`,
    `tls_key_file  = "${client.keyFile}"`,
  ];

  /** Runs `tresor server` with `tlsLines`, which must exit at once with an error naming `expected`. */
  async function refusedAtStart(name: string, tlsLines: readonly string[], expected: RegExp): Promise<void> {
    const config = await nodeConfig(name, await freePort(), tlsLines);
    const result = await cli(['server', `-config=${config}`], {});
    assert.notEqual(result.code, 0, `the server should not start:\n${result.stdout}${result.stderr}`);
    assert.match(result.stderr + result.stdout, expected);
    // nothing was written to Consul under that node's prefix
    const res = await fetch(`http://${agent.httpAddr}/v1/kv/tresor-${name}/?keys`);
    assert.equal(res.status, 404);
  }

  it(
    'stores, registers and resolves through HTTPS with a client certificate; every write reads back',
    { timeout: TEST_TIMEOUT },
    async () => {
      const port = await freePort();
      const addr = `http://127.0.0.1:${port}`;
      const config = await nodeConfig('good', port, goodTls());
      let node: ServerProcess | undefined;
      let resolver: Awaited<ReturnType<typeof startResolver>> | undefined;
      try {
        node = await startServerProcess([`-config=${config}`], `${addr}/v1/sys/health`);
        const boot = { name: 'good', addr };
        const init = await initCluster(boot, { shares: 1, threshold: 1 });
        await unsealNode(boot, init.keysB64, 1);
        assert.deepEqual(await waitForRoles([boot], 30_000), ['active']);
        const headers = { 'X-Vault-Token': init.rootToken, 'Content-Type': 'application/json' };
        const mount = await fetch(`${addr}/v1/sys/mounts/kv`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ type: 'kv', options: { version: '2' } }),
        });
        assert.equal(mount.status, 204);
        for (let i = 0; i < 20; i++) {
          const res = await fetch(`${addr}/v1/kv/data/item-${i}`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ data: { n: i } }),
          });
          assert.equal(res.status, 200);
        }
        for (let i = 0; i < 20; i++) {
          const res = await fetch(`${addr}/v1/kv/data/item-${i}`, { headers });
          const body = (await res.json()) as { data: { data: { n: number } } };
          assert.equal(body.data.data.n, i);
        }
        // the entries are in Consul (encrypted by the barrier), written over HTTPS
        const keys = (await (
          await fetch(`http://${agent.httpAddr}/v1/kv/tresor-good/?keys`)
        ).json()) as string[];
        assert.ok(
          keys.some((k) => k.startsWith('tresor-good/logical/')),
          keys.join(','),
        );
        // the registration went through the same TLS settings: the node is registered active
        let tags: string[] = [];
        for (const deadline = Date.now() + 30_000; !tags.includes('active') && Date.now() < deadline;) {
          const entries = (await (
            await fetch(`http://${agent.httpAddr}/v1/health/service/vault?passing=true`)
          ).json()) as { Service: { Tags: string[] } }[];
          tags = entries[0]?.Service.Tags ?? [];
          if (!tags.includes('active')) await new Promise((r) => setTimeout(r, 100));
        }
        assert.ok(tags.includes('active'), `tags: ${tags.join(',')}`);
        // and the resolver, over HTTPS too, names the node
        resolver = await startResolver(
          withOverrides(
            resolverConfig(
              {
                consul: [
                  {
                    path: 'tresor-good/',
                    scheme: 'https',
                    tls_ca_file: ca.certFile,
                    tls_cert_file: client.certFile,
                    tls_key_file: client.keyFile,
                  },
                ],
                ttl: [{ active: 0 }],
              },
              'test',
              {},
            ),
            { listen: '127.0.0.1:0', http: '127.0.0.1:0', consul: https },
          ),
          { logger: silentLogger() },
        );
        const dns = new Resolver({ timeout: 2000, tries: 1 });
        dns.setServers([`127.0.0.1:${resolver.udpPort}`]);
        let answer: string[] = [];
        for (const deadline = Date.now() + 30_000; answer[0] !== '127.0.0.1' && Date.now() < deadline;) {
          answer = await dns.resolve4('active.vault.consul').catch(() => []);
          if (answer[0] !== '127.0.0.1') await new Promise((r) => setTimeout(r, 100));
        }
        assert.deepEqual(answer, ['127.0.0.1']);
      } finally {
        await resolver?.stop();
        await node?.stop();
      }
    },
  );

  it(
    'refuses to start when tls_ca_file does not sign the agent’s certificate',
    { timeout: TEST_TIMEOUT },
    async () => {
      await refusedAtStart(
        'wrong-ca',
        [
          'scheme        = "https"',
          `tls_ca_file   = "${otherCa.certFile}"`,
          `tls_cert_file = "${client.certFile}"`,
          `tls_key_file  = "${client.keyFile}"`,
        ],
        /storage "consul": cannot talk to Consul at .*certificate is not trusted.*tls_ca_file/,
      );
    },
  );

  it(
    'refuses to start without a client certificate, or with one of another CA',
    { timeout: TEST_TIMEOUT },
    async () => {
      await refusedAtStart(
        'no-cert',
        ['scheme      = "https"', `tls_ca_file = "${ca.certFile}"`],
        /storage "consul": cannot talk to Consul .*client certificate/,
      );
      await refusedAtStart(
        'stranger-cert',
        [
          'scheme        = "https"',
          `tls_ca_file   = "${ca.certFile}"`,
          `tls_cert_file = "${strangerClient.certFile}"`,
          `tls_key_file  = "${strangerClient.keyFile}"`,
        ],
        /storage "consul": cannot talk to Consul .*client certificate/,
      );
    },
  );

  it('refuses to start when plain HTTP is sent to the HTTPS port', { timeout: TEST_TIMEOUT }, async () => {
    await refusedAtStart('plain', [], /storage "consul": cannot talk to Consul .*scheme = "https"/);
  });

  it(
    'warns that tls_skip_verify turns verification off, and then works',
    { timeout: TEST_TIMEOUT },
    async () => {
      const port = await freePort();
      const config = await nodeConfig('skip', port, [
        'scheme          = "https"',
        'tls_skip_verify = true',
        `tls_cert_file   = "${client.certFile}"`,
        `tls_key_file    = "${client.keyFile}"`,
      ]);
      const node = await startServerProcess([`-config=${config}`], `http://127.0.0.1:${port}/v1/sys/health`);
      try {
        const init = await initCluster(
          { name: 'skip', addr: `http://127.0.0.1:${port}` },
          { shares: 1, threshold: 1 },
        );
        assert.equal(init.keysB64.length, 1);
        assert.match(node.output(), /tls_skip_verify = true: the Consul agent's certificate is not verified/);
      } finally {
        await node.stop();
      }
    },
  );
});
