import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { parseHcl } from '../../../src/helper/hcl.js';
import { loadResolverConfig } from '../../../dns/config.js';
import {
  type Obj,
  CONSUL,
  CONSUL_SERVERS,
  NODES,
  REPO,
  TRESOR_IMAGE,
  allStrings,
  bindSource,
  compose,
  fixedIp,
  inCidr,
  isObj,
  list,
  mounts,
  obj,
  publicIps,
  read,
  service,
  services,
  str,
  strings,
} from './compose-file.js';

// No Docker engine runs here: these checks read docker-compose.yml, the Dockerfile and the files
// they mount, and load every tresor and resolver config with the real loaders.

describe('docker-compose.yml', () => {
  it('has three Consul servers, a client agent per host, the ACL job, three tresor nodes, the init job, the resolver and the demo client', () => {
    assert.deepEqual(
      Object.keys(services).sort(),
      [...CONSUL, 'cluster-init', 'consul-acl-init', 'demo', 'dns', ...NODES].sort(),
    );
    assert.equal(compose.name, 'tresor');
  });

  it('builds tresor from the Dockerfile once as tresor:local and pins the Consul image to the tested version', () => {
    for (const name of TRESOR_IMAGE) {
      const s = service(name);
      assert.equal(s.image, 'tresor:local', name);
      const build = obj(s.build, `${name}.build`);
      assert.equal(build.context, '.');
      assert.ok(
        existsSync(join(REPO, str(build.dockerfile, `${name}.build.dockerfile`))),
        `${name}: the Dockerfile exists`,
      );
    }
    const pinned = /^\s*github\.com\/hashicorp\/consul v(\S+)/m.exec(read('consul/go/go.mod'))?.[1];
    for (const name of [...CONSUL, 'consul-acl-init']) {
      assert.equal(
        service(name).image,
        `hashicorp/consul:${pinned ?? '?'}`,
        `${name} runs the Consul the tests run`,
      );
      assert.equal(service(name).build, undefined);
    }
  });

  it('publishes ports on 127.0.0.1 only', () => {
    const published: string[] = [];
    for (const [name, s] of Object.entries(services)) {
      for (const port of strings(obj(s, name).ports ?? [], `${name}.ports`)) {
        const m = /^127\.0\.0\.1:(\d+):(\d+)(\/(tcp|udp))?$/.exec(port);
        assert.ok(m !== null, `${name}: "${port}" is bound to 127.0.0.1 (host-ip:host-port:container-port)`);
        published.push(`${m[1] ?? ''}/${m[4] ?? 'tcp'}`);
      }
    }
    assert.equal(new Set(published).size, published.length, `no host port twice: ${published.join(' ')}`);
    assert.deepEqual(strings(service('consul1').ports, 'consul1.ports'), ['127.0.0.1:8500:8500']);
    for (const name of CONSUL.filter((n) => n !== 'consul1'))
      assert.equal(service(name).ports, undefined, `${name} publishes nothing`);
    assert.deepEqual(
      NODES.map((n) => strings(service(n).ports, n)[0]),
      ['127.0.0.1:8200:8200', '127.0.0.1:8210:8200', '127.0.0.1:8220:8200'],
    );
    assert.deepEqual(strings(service('dns').ports, 'dns.ports').sort(), [
      '127.0.0.1:8600:53/tcp',
      '127.0.0.1:8600:53/udp',
    ]);
  });

  it('mounts only files that exist and named volumes that are declared (and all declared ones are used)', () => {
    const declared = Object.keys(obj(compose.volumes, 'volumes'));
    const used = new Set<string>();
    for (const name of Object.keys(services)) {
      for (const m of mounts(name)) {
        assert.ok(m.target.startsWith('/'), `${name}: ${m.target} is absolute`);
        if (m.source.startsWith('./')) {
          assert.ok(existsSync(join(REPO, m.source)), `${name}: ${m.source} exists`);
          assert.ok(m.readOnly, `${name}: ${m.source} is mounted read-only`);
          assert.ok(
            /^\.\/(deploy|consul)\//.test(m.source),
            `${name}: ${m.source} is under deploy/ or consul/`,
          );
        } else {
          assert.ok(declared.includes(m.source), `${name}: volume ${m.source} is declared`);
          used.add(m.source);
        }
      }
    }
    assert.deepEqual([...used].sort(), [...declared].sort());
    // Nodes and the resolver only read their Consul tokens; the management token stays with the ACL job.
    for (const name of [...NODES, 'dns'])
      assert.ok(mounts(name).some((m) => m.source === 'consul-tokens' && m.readOnly));
    for (const name of Object.keys(services)) {
      if (name !== 'consul-acl-init')
        assert.ok(!mounts(name).some((m) => m.source === 'consul-bootstrap'), name);
    }
  });

  it('orders the start with depends_on conditions on services that can meet them', () => {
    const conditions = ['service_started', 'service_healthy', 'service_completed_successfully'];
    for (const [name, s] of Object.entries(services)) {
      for (const [target, spec] of Object.entries(obj(obj(s, name).depends_on ?? {}, `${name}.depends_on`))) {
        assert.ok(target in services, `${name} depends on ${target}, which exists`);
        const condition = str(
          obj(spec, `${name}.depends_on.${target}`).condition,
          `${name} → ${target} condition`,
        );
        assert.ok(conditions.includes(condition), `${name} → ${target}: condition ${condition}`);
        if (condition === 'service_healthy')
          assert.ok(isObj(service(target).healthcheck), `${target} has a healthcheck`);
        if (condition === 'service_completed_successfully')
          assert.equal(service(target).restart, 'no', `${target} is a one-shot job`);
      }
    }
    for (const n of [...NODES, 'dns']) {
      const deps = obj(service(n).depends_on, n);
      assert.deepEqual(Object.keys(deps).sort(), [`${n}-consul`, 'consul-acl-init'].sort(), n);
      assert.equal(obj(deps['consul-acl-init'], n).condition, 'service_completed_successfully');
      assert.equal(obj(deps[`${n}-consul`], n).condition, 'service_healthy', `${n} waits for its agent`);
    }
    // The ACL job gives every agent its token, so it waits for all of them.
    assert.deepEqual(
      Object.keys(obj(service('consul-acl-init').depends_on, 'acl-init')).sort(),
      [...CONSUL].sort(),
    );
    assert.deepEqual(Object.keys(obj(service('cluster-init').depends_on, 'cluster-init')).sort(), NODES);
    const demo = obj(service('demo').depends_on, 'demo');
    assert.equal(obj(demo.dns, 'demo→dns').condition, 'service_healthy');
    assert.equal(obj(demo['cluster-init'], 'demo→init').condition, 'service_completed_successfully');
  });

  it('has a healthcheck on every long-running service', () => {
    for (const [name, s] of Object.entries(services)) {
      if (obj(s, name).restart === 'no' && name !== 'demo') continue;
      const hc = obj(obj(s, name).healthcheck, `${name}.healthcheck`);
      const test = strings(hc.test, `${name}.healthcheck.test`);
      assert.ok(
        test[0] === 'CMD' || test[0] === 'CMD-SHELL',
        `${name}: healthcheck test starts with CMD or CMD-SHELL`,
      );
      for (const key of ['interval', 'timeout', 'retries'])
        assert.ok(key in hc, `${name}: healthcheck ${key}`);
    }
    for (const n of NODES)
      assert.match(
        strings(obj(service(n).healthcheck, n).test, n).join(' '),
        /127\.0\.0\.1:8200\/v1\/sys\/health\/live/,
      );
  });

  it('uses no public address: private networks, loopback and Docker’s embedded DNS only', () => {
    const texts = [
      read('docker-compose.yml'),
      ...['dns.hcl', ...NODES.map((_, i) => `tresor-node${i + 1}.hcl`)].map((f) => read(`deploy/${f}`)),
      read('consul/deploy/agent.hcl'),
      read('consul/deploy/server.hcl'),
    ];
    for (const text of texts) assert.deepEqual(publicIps(text), []);
    assert.deepEqual(publicIps(allStrings(compose).join(' ')), []);
  });

  it('gives the nodes and the resolver fixed addresses outside the dynamic range, and the demo the resolver as DNS', () => {
    const ipam = obj(obj(obj(compose.networks, 'networks').tresor, 'tresor network').ipam, 'ipam');
    const pool = obj(list(ipam.config, 'ipam.config')[0], 'ipam.config[0]');
    const fixed: Record<string, string> = {};
    for (const name of [...NODES, 'dns']) {
      const ip = fixedIp(name);
      assert.ok(
        inCidr(ip, str(pool.subnet, 'subnet')) && !inCidr(ip, str(pool.ip_range, 'ip_range')),
        `${name}: ${ip}`,
      );
      fixed[name] = ip;
    }
    assert.equal(new Set(Object.values(fixed)).size, 4);
    assert.deepEqual(strings(service('demo').dns, 'demo.dns'), [fixed.dns]);
  });

  it('runs each node on a config the real loader accepts: storage consul through its own agent, its own api_addr and service_address', async () => {
    const paths = new Set<string>();
    for (const name of NODES) {
      const path = bindSource(name, '/etc/tresor/tresor.hcl');
      paths.add(path);
      assert.deepEqual(strings(service(name).command, name), ['server', '-config=/etc/tresor/tresor.hcl']);
      const config = await loadConfig([path], { env: {} });
      if (config.storage.type !== 'consul')
        assert.fail(`${name}: storage is ${config.storage.type}, not consul`);
      assert.equal(config.storage.address, `${name}-consul:8500`);
      assert.equal(config.storage.path, 'tresor/');
      const ip = fixedIp(name);
      assert.equal(config.storage.serviceAddress, ip);
      assert.equal(config.apiAddr, `http://${name}:8200`);
      assert.equal(config.clusterAddr, `https://${name}:8201`);
      assert.equal(config.listeners[0]?.address, '0.0.0.0:8200');
      assert.equal(
        obj(service(name).environment, name).CONSUL_HTTP_TOKEN_FILE,
        '/run/consul-tokens/tresor.token',
      );
    }
    assert.equal(paths.size, 3, 'one config file per node');
  });

  it('runs the resolver on a config dns/config.ts accepts, watching the nodes’ lock, forwarding to 127.0.0.11', async () => {
    const path = bindSource('dns', '/etc/tresor/dns.hcl');
    assert.deepEqual(strings(service('dns').command, 'dns'), ['dns', '-config=/etc/tresor/dns.hcl']);
    const config = await loadResolverConfig(path, {});
    assert.equal(config.consul.address, 'dns-consul:8500');
    assert.equal(config.consul.path, 'tresor/');
    assert.equal(config.consul.service, 'vault');
    assert.equal(config.domain, 'consul');
    assert.deepEqual(config.upstreams, [{ host: '127.0.0.11', port: 53 }]);
    assert.equal(config.listener.port, 53);
    assert.match(
      strings(obj(service('dns').healthcheck, 'dns').test, 'dns').join(' '),
      new RegExp(`127\\.0\\.0\\.1:${config.http.port}/health`),
    );
    assert.equal(
      obj(service('dns').environment, 'dns').CONSUL_HTTP_TOKEN_FILE,
      '/run/consul-tokens/dns.token',
    );
  });

  it('runs three Consul servers and a client agent per host, each its own node with its own data, ACLs enforced', async () => {
    const agent = await parseHcl(read('consul/deploy/agent.hcl'), 'agent.hcl');
    assert.deepEqual((agent.acl as Obj[])[0], {
      enabled: true,
      default_policy: 'deny',
      down_policy: 'extend-cache',
      enable_token_persistence: true,
    });
    assert.deepEqual(agent.retry_join, CONSUL_SERVERS);
    assert.equal(agent.server, undefined, 'agent.hcl is shared: servers say so in server.hcl');
    assert.equal(agent.node_name, undefined, 'each service names its node');
    const server = await parseHcl(read('consul/deploy/server.hcl'), 'server.hcl');
    assert.equal(server.server, true);
    assert.equal(server.bootstrap_expect, CONSUL_SERVERS.length);
    assert.equal((server.ui_config as Obj[])[0]?.enabled, true);
    assert.equal(server.session_ttl_min, '1s');
    const dataVolumes = new Set<string>();
    for (const name of CONSUL) {
      assert.deepEqual(strings(service(name).command, name), ['agent', `-node=${name}`]);
      assert.ok(bindSource(name, '/consul/config/agent.hcl').endsWith('consul/deploy/agent.hcl'), name);
      const isServer = CONSUL_SERVERS.includes(name);
      assert.equal(
        mounts(name).some((m) => m.target === '/consul/config/server.hcl'),
        isServer,
        `${name} ${isServer ? 'is' : 'is not'} a server`,
      );
      const data = mounts(name).find((m) => m.target === '/consul/data');
      assert.ok(data !== undefined && !data.source.startsWith('./'), `${name} keeps its data in a volume`);
      dataVolumes.add(data.source);
    }
    assert.equal(dataVolumes.size, CONSUL.length, 'no two agents share a data folder');
    // consul-acl-init gives each agent, by its node name and address, a token of its own.
    const agents = str(obj(service('consul-acl-init').environment, 'acl-init').AGENTS, 'AGENTS')
      .trim()
      .split(/\s+/);
    assert.deepEqual(
      agents,
      CONSUL.map((n) => `${n}=${n}:8500`),
    );
  });

  it('grants least-privilege policies that match the storage path', async () => {
    const tresor = await parseHcl(read('consul/deploy/tresor-policy.hcl'), 'tresor-policy.hcl');
    assert.deepEqual(Object.keys(tresor.key_prefix as Obj), ['tresor/']);
    assert.deepEqual(Object.keys(tresor.service_prefix as Obj).sort(), ['tresor-lock', 'vault']);
    assert.equal(JSON.stringify(tresor).includes('"acl"'), false, 'tresor cannot manage ACLs');
    const dns = await parseHcl(read('consul/deploy/dns-policy.hcl'), 'dns-policy.hcl');
    assert.deepEqual(Object.keys(dns.key as Obj), ['tresor/core/lock']);
    assert.equal(dns.key_prefix, undefined);
    assert.equal(JSON.stringify(dns).includes('write'), false, 'the resolver only reads');
    for (const f of ['tresor-policy.hcl', 'dns-policy.hcl']) {
      assert.ok(
        mounts('consul-acl-init').some((m) => m.source === `./consul/deploy/${f}`),
        `consul-acl-init mounts ${f}`,
      );
    }
  });

  it('has a Dockerfile on node:20-slim (npm ci, npm run build, tresor entrypoint) whose sources the .dockerignore lets in', () => {
    const dockerfile = read('Dockerfile');
    assert.match(dockerfile, /^FROM node:20-slim AS build$/m);
    assert.match(dockerfile, /^FROM node:20-slim$/m);
    assert.match(dockerfile, /RUN npm ci\b/);
    assert.match(dockerfile, /npm run build/);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^ENTRYPOINT \["\/usr\/local\/bin\/docker-entrypoint\.sh"\]$/m);
    assert.match(read('deploy/docker-entrypoint.sh'), /exec node \/app\/dist\/src\/main\.js "\$@"/);
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const source of (m[1] ?? '').split(' ')) {
        assert.ok(existsSync(join(REPO, source)), `COPY ${source} exists`);
        assert.ok(!ignored.includes(source.split('/')[0] ?? ''), `${source} is not in .dockerignore`);
      }
    }
    for (const secret of ['node_modules', '.git', '*.token', 'cluster-keys.json', 'consul/.cache'])
      assert.ok(ignored.includes(secret), `.dockerignore has ${secret}`);
  });

  it('mounts shell scripts that sh can parse', () => {
    for (const script of [
      'deploy/consul-acl-init.sh',
      'deploy/demo-client.sh',
      'deploy/docker-entrypoint.sh',
    ]) {
      assert.ok(statSync(join(REPO, script)).isFile());
      execFileSync('sh', ['-n', join(REPO, script)]);
    }
    assert.equal(strings(service('demo').entrypoint, 'demo')[1], '/opt/tresor/demo-client.sh');
    assert.equal(bindSource('demo', '/opt/tresor/demo-client.sh'), join(REPO, 'deploy/demo-client.sh'));
  });
});
