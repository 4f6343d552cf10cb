import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../../src/config/errors.js';
import { loadResolverConfig, resolverConfig, withOverrides } from '../../../dns/config.js';

const dir = mkdtempSync(join(tmpdir(), 'tresor-dns-config-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('dns config', () => {
  it('reads the HCL file, converts values and freezes the result', async () => {
    const path = write(
      'dns.hcl',
      `consul {
  address = "127.0.0.1:8500"
  token   = "t0k"
  path    = "/tresor"
  service = "Vault"
}
listener { address = "127.0.0.1:8600" }
http { address = "127.0.0.1:8601" }
domain     = "Consul."
datacenter = "DC1"
upstreams  = ["127.0.0.1:5353", "10.0.0.2"]
ttl {
  active  = 0
  service = "10s"
  node    = 30
}
`,
    );
    const config = await loadResolverConfig(path, {});
    assert.equal(config.consul.address, '127.0.0.1:8500');
    assert.equal(config.consul.token, 't0k');
    assert.equal(config.consul.path, 'tresor/');
    assert.equal(config.consul.service, 'vault');
    assert.deepEqual(config.listener, { host: '127.0.0.1', port: 8600 });
    assert.equal(config.domain, 'consul');
    assert.equal(config.datacenter, 'dc1');
    assert.deepEqual(config.upstreams, [
      { host: '127.0.0.1', port: 5353 },
      { host: '10.0.0.2', port: 53 },
    ]);
    assert.deepEqual(config.ttl, { active: 0, service: 10, node: 30 });
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.consul) && Object.isFrozen(config.upstreams));
  });

  it('has defaults, with Consul address and token from the environment', () => {
    const config = resolverConfig({}, 'defaults', {
      CONSUL_HTTP_ADDR: '10.1.1.1:8500',
      CONSUL_HTTP_TOKEN: 'env-token',
    });
    assert.equal(config.consul.address, '10.1.1.1:8500');
    assert.equal(config.consul.token, 'env-token');
    assert.equal(config.consul.path, 'vault/');
    assert.deepEqual(config.ttl, { active: 0, service: 5, node: 30 });
    assert.deepEqual(config.listener, { host: '127.0.0.1', port: 8600 });
    assert.deepEqual(config.upstreams, []);
  });

  it('names the file and the key of every problem', async () => {
    const path = write(
      'bad.hcl',
      `consul {
  adress = "x"
}
domian = "consul"
upstreams = ["nowhere"]
ttl {
  active = "soon"
}
`,
    );
    await assert.rejects(loadResolverConfig(path, {}), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const lines = err.message.split('\n');
      assert.ok(
        lines.every((l) => l.startsWith(`${path}: `)),
        err.message,
      );
      assert.match(err.message, /unknown key "adress" in consul/);
      assert.match(err.message, /unknown key "domian"; did you mean "domain"\?/);
      assert.match(err.message, /upstreams\[0\]: invalid upstream "nowhere"/);
      assert.match(err.message, /ttl\.active: must be a duration/);
      return true;
    });
  });

  it('reports syntax errors and missing files with the file name', async () => {
    await assert.rejects(loadResolverConfig(write('syntax.hcl', 'consul {\n'), {}), /syntax\.hcl: line \d+/);
    await assert.rejects(
      loadResolverConfig(join(dir, 'missing.hcl'), {}),
      /missing\.hcl: cannot read the configuration: no such file/,
    );
  });

  it('refuses a block defined twice', () => {
    assert.throws(() => resolverConfig({ ttl: [{}, {}] }, 'x.hcl', {}), /x\.hcl: ttl: defined 2 times/);
  });

  it('applies flag overrides and validates them', () => {
    const base = resolverConfig({ upstreams: ['10.0.0.1'] }, 'x.hcl', {});
    const config = withOverrides(base, {
      listen: '127.0.0.1:0',
      consul: '127.0.0.1:18500',
      upstreams: ['127.0.0.1:5300'],
    });
    assert.deepEqual(config.listener, { host: '127.0.0.1', port: 0 });
    assert.equal(config.consul.address, '127.0.0.1:18500');
    assert.deepEqual(config.upstreams, [{ host: '127.0.0.1', port: 5300 }]);
    assert.ok(Object.isFrozen(config));
    assert.throws(() => withOverrides(base, { listen: 'nope' }), /-listen: invalid address "nope"/);
    assert.throws(
      () => withOverrides(base, { upstreams: ['example.com'] }),
      /-upstream: invalid upstream "example.com"/,
    );
  });
});
