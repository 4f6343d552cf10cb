import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import dns2 from 'dns2';
import { resolverConfig, withOverrides } from '../../../dns/config.js';
import { startResolver, type RunningResolver } from '../../../dns/main.js';
import { silentLogger } from '../../../src/helper/logger.js';
import { CONSUL_START_TIMEOUT, startConsul, type ConsulAgent } from '../../helpers/consul.js';
import { ConsulApi, dig, digStatus, pollUntil, startUpstream } from './helpers.js';

const TEST_TIMEOUT = 120_000;
/** The requirement is 1 s; the assertion leaves room for a loaded CI machine. The delay is printed. */
const HANDOVER_BOUND_MS = 5000;

const A = {
  id: 'vault:127.0.0.2:8200',
  address: '127.0.0.2',
  port: 8200,
  check: 'vault-a-sealed',
  api: 'https://127.0.0.2:8200',
};
const B = {
  id: 'vault:127.0.0.3:8210',
  address: '127.0.0.3',
  port: 8210,
  check: 'vault-b-sealed',
  api: 'https://127.0.0.3:8210',
};

describe('DNS resolver against a real Consul agent', () => {
  let agent: ConsulAgent;
  let consul: ConsulApi;
  let upstream: { port: number; close(): Promise<void> };
  let resolver: RunningResolver;
  let node: Resolver;
  let sessionA: string;
  let sessionB: string;

  const start = (
    overrides: Record<string, unknown> = {},
    consulAddress = agent.httpAddr,
    upstreams = [`127.0.0.1:${upstream.port}`],
  ) =>
    startResolver(
      withOverrides(resolverConfig({ upstream_timeout: '500ms', ...overrides }, 'test', {}), {
        listen: '127.0.0.1:0',
        http: '127.0.0.1:0',
        consul: consulAddress,
        upstreams,
      }),
      { logger: silentLogger() },
    );
  const a4 = async (name: string): Promise<string[]> => {
    try {
      return (await node.resolve4(name)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENODATA') return [];
      throw err;
    }
  };

  before(
    async () => {
      agent = await startConsul();
      consul = new ConsulApi(agent);
      upstream = await startUpstream('outside.example.test', '192.0.2.7');
      await consul.register(A.id, 'vault', A.address, A.port, ['standby', 'initialized'], A.check);
      // B carries a stale `active` tag from an earlier term: it must not be answered while A holds the lock.
      await consul.register(B.id, 'vault', B.address, B.port, ['active', 'initialized'], B.check);
      sessionA = await consul.session('tresor A');
      sessionB = await consul.session('tresor B');
      assert.equal(await consul.acquire(sessionA, A.api), true);
      resolver = await start();
      node = new Resolver({ timeout: 3000, tries: 2 });
      node.setServers([`127.0.0.1:${resolver.udpPort}`]);
      await pollUntil(async () => (await a4('active.vault.consul')).length > 0, 30_000, 'the view to load');
    },
    { timeout: CONSUL_START_TIMEOUT },
  );

  after(async () => {
    await resolver.stop();
    await upstream.close();
    await agent.stop();
  });

  it(
    'answers active.vault.consul and active.vault.service.consul with the lock holder only',
    { timeout: TEST_TIMEOUT },
    async () => {
      assert.equal(resolver.udpPort, resolver.tcpPort, 'UDP and TCP share the port');
      for (const name of ['active.vault.consul', 'active.vault.service.consul', 'ACTIVE.Vault.Consul']) {
        assert.deepEqual(await a4(name), ['127.0.0.2'], name);
        const out = await dig(resolver.udpPort, name, 'A', '+noall', '+comments', '+answer');
        assert.equal(digStatus(out), 'NOERROR');
        assert.match(out, /flags: qr aa rd ra/);
        const answers = out.split('\n').filter((l) => l.includes('\tIN\tA\t'));
        assert.equal(answers.length, 1, out);
        assert.match(answers[0] ?? '', /\s0\s+IN\s+A\s+127\.0\.0\.2$/, 'TTL 0 and the holder’s address');
      }
      assert.deepEqual(await a4('vault.service.consul'), ['127.0.0.2', '127.0.0.3']);
      await assert.rejects(node.resolve6('active.vault.consul'), { code: 'ENODATA' });
      assert.equal(digStatus(await dig(resolver.udpPort, 'active.vault.consul', 'AAAA')), 'NOERROR');
    },
  );

  it('follows the lock to the other session within a second', { timeout: TEST_TIMEOUT }, async (t) => {
    assert.equal(await consul.release(sessionA), true);
    assert.equal(await consul.acquire(sessionB, B.api), true);
    const handedOver = performance.now();
    await pollUntil(
      async () => (await a4('active.vault.consul')).join() === '127.0.0.3',
      HANDOVER_BOUND_MS,
      'the answer to follow the lock',
      5,
    );
    const delay = performance.now() - handedOver;
    t.diagnostic(`lock handover seen in DNS after ${delay.toFixed(1)} ms (requirement: within 1000 ms)`);
    assert.match(await dig(resolver.udpPort, 'active.vault.service.consul', '+short'), /^127\.0\.0\.3\s*$/);
  });

  it(
    'drops the holder from active when its check fails, and brings it back when it passes',
    { timeout: TEST_TIMEOUT },
    async () => {
      await consul.checkFail(B.check);
      await pollUntil(
        async () => (await a4('active.vault.consul')).length === 0,
        10_000,
        'the sealed holder to leave active',
      );
      const out = await dig(resolver.udpPort, 'active.vault.consul', '+noall', '+comments', '+authority');
      assert.equal(digStatus(out), 'NOERROR');
      assert.match(out, /consul\.\s+0\s+IN\s+SOA\s+ns\.consul\. hostmaster\.consul\./);
      assert.deepEqual(await a4('vault.service.consul'), ['127.0.0.2']);
      await consul.checkPass(B.check);
      await pollUntil(
        async () => (await a4('active.vault.consul')).join() === '127.0.0.3',
        10_000,
        'the holder to come back',
      );
    },
  );

  it(
    'answers SRV with the instances’ ports and their addresses as additional records',
    { timeout: TEST_TIMEOUT },
    async () => {
      const all = await node.resolveSrv('_vault._tcp.service.consul');
      assert.deepEqual(all.map((r) => `${r.name}:${r.port}`).sort(), [
        '7f000002.addr.dc1.consul:8200',
        '7f000003.addr.dc1.consul:8210',
      ]);
      const active = await node.resolveSrv('active.vault.service.consul');
      assert.deepEqual(
        active.map((r) => [r.name, r.port, r.priority, r.weight]),
        [['7f000003.addr.dc1.consul', 8210, 1, 1]],
      );
      const out = await dig(
        resolver.udpPort,
        '_vault._active.service.consul',
        'SRV',
        '+noall',
        '+answer',
        '+additional',
      );
      assert.match(out, /IN\s+SRV\s+1 1 8210 7f000003\.addr\.dc1\.consul\./);
      assert.match(out, /7f000003\.addr\.dc1\.consul\.\s+0\s+IN\s+A\s+127\.0\.0\.3/);
      assert.deepEqual(await a4('7f000003.addr.dc1.consul'), ['127.0.0.3']);
      assert.deepEqual(await a4(`${agent.nodeName}.node.consul`), ['127.0.0.1']);
      assert.match(
        await dig(resolver.udpPort, `${agent.nodeName}.node.dc1.consul`, '+short'),
        /^127\.0\.0\.1\s*$/,
      );
    },
  );

  it(
    'answers NXDOMAIN with an SOA for unknown names inside the domain',
    { timeout: TEST_TIMEOUT },
    async () => {
      await assert.rejects(node.resolve4('nosuch.service.consul'), { code: 'ENOTFOUND' });
      const out = await dig(resolver.udpPort, 'nosuch.node.consul', '+noall', '+comments', '+authority');
      assert.equal(digStatus(out), 'NXDOMAIN');
      assert.match(out, /IN\s+SOA\s+ns\.consul\./);
    },
  );

  it(
    'forwards names outside the domain to the upstream, and SERVFAILs when no upstream answers',
    { timeout: TEST_TIMEOUT },
    async () => {
      assert.deepEqual(await node.resolve4('outside.example.test'), ['192.0.2.7']);
      assert.match(await dig(resolver.udpPort, 'outside.example.test', '+short'), /^192\.0\.2\.7\s*$/);
      assert.equal(digStatus(await dig(resolver.udpPort, 'missing.example.test')), 'NXDOMAIN');
      assert.ok(resolver.metrics.forwarded.get({ result: 'ok' }) >= 3);

      const dead = createSocket('udp4');
      await new Promise<void>((resolve) => {
        dead.bind(0, '127.0.0.1', resolve);
      });
      const deadPort = dead.address().port;
      const lonely = await start({}, agent.httpAddr, [`127.0.0.1:${deadPort}`, `127.0.0.1:${deadPort}`]);
      try {
        assert.equal(digStatus(await dig(lonely.udpPort, 'outside.example.test')), 'SERVFAIL');
        assert.equal(lonely.metrics.forwarded.get({ result: 'failed' }), 1);
      } finally {
        await lonely.stop();
        dead.close();
      }
    },
  );

  it('truncates a large UDP answer so clients retry over TCP', { timeout: TEST_TIMEOUT }, async () => {
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) {
      ids.push(`big-${i}`);
      await consul.register(`big-${i}`, 'big', `10.77.${i >> 8}.${i & 255}`, 9000 + i, []);
    }
    try {
      await pollUntil(
        async () => (await a4('big.service.consul')).length === 150,
        20_000,
        'all 150 instances',
      );
      const before = resolver.metrics.truncated.get({ transport: 'udp' });
      const out = await dig(resolver.udpPort, 'big.service.consul', 'A');
      assert.match(out, /Truncated, retrying in TCP mode/);
      assert.equal(
        out.split('\n').filter((l) => /^big\.service\.consul\.\s.*\sIN\s+A\s/.test(l)).length,
        150,
      );
      assert.ok(resolver.metrics.truncated.get({ transport: 'udp' }) > before);
      assert.equal((await node.resolve4('big.service.consul')).length, 150, 'c-ares retries over TCP too');
      const tcp = await dig(resolver.tcpPort, '+tcp', 'big.service.consul', '+short');
      assert.equal(tcp.trim().split('\n').length, 150);
    } finally {
      for (const id of ids) await consul.deregister(id);
    }
  });

  it(
    'survives random bytes and garbled queries, and still answers afterwards',
    { timeout: TEST_TIMEOUT },
    async (t) => {
      const socket = createSocket('udp4');
      socket.on('message', () => undefined);
      const valid = new dns2.Packet();
      valid.header.id = 7;
      valid.questions.push({ name: 'active.vault.consul', type: 1, class: 1 } as dns2.Packet.Question);
      const wire = valid.toBuffer();
      const packets: Buffer[] = [];
      for (let i = 0; i < 3000; i++) packets.push(randomBytes(Math.floor(Math.random() * 600)));
      for (let i = 0; i < 500; i++) {
        const garbled = Buffer.from(wire.subarray(0, 1 + Math.floor(Math.random() * wire.length)));
        if (garbled.length > 13 && i % 2 === 0)
          garbled[12 + Math.floor(Math.random() * (garbled.length - 12))] = Math.floor(Math.random() * 256);
        packets.push(garbled);
      }
      const loop = Buffer.from(wire);
      loop.writeUInt16BE(0xc00c, 12); // a compression pointer to itself
      const counts = Buffer.from(wire);
      counts.writeUInt16BE(0xffff, 6);
      counts.writeUInt16BE(0xffff, 10);
      for (let i = 0; i < 50; i++) packets.push(loop, counts, Buffer.alloc(12), Buffer.alloc(12, 0xff));
      const malformedBefore = resolver.metrics.malformed.total();
      for (const [i, packet] of packets.entries()) {
        socket.send(packet, resolver.udpPort, '127.0.0.1');
        // Pace the flood a little so the kernel's receive buffer does not simply drop most of it.
        if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      for (let i = 0; i < 20; i++) {
        const tcp = connect(resolver.tcpPort, '127.0.0.1');
        tcp.on('error', () => undefined);
        const junk =
          i % 2 === 0
            ? randomBytes(300)
            : Buffer.concat([
                Buffer.from([0, 12]),
                Buffer.alloc(12, 0xff),
                Buffer.from([0, 20]),
                randomBytes(20),
              ]);
        tcp.end(junk);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      socket.close();
      assert.deepEqual(await a4('active.vault.consul'), ['127.0.0.3']);
      assert.match(await dig(resolver.tcpPort, '+tcp', 'active.vault.consul', '+short'), /^127\.0\.0\.3\s*$/);
      const malformed = resolver.metrics.malformed.total() - malformedBefore;
      t.diagnostic(
        `${packets.length} bad UDP packets and 20 bad TCP streams sent; ${malformed} counted as malformed`,
      );
      assert.ok(malformed > packets.length / 4, `malformed counted: ${malformed} of ${packets.length}`);
      assert.equal(resolver.metrics.errors.get({ kind: 'answer' }), 0);
    },
  );

  it('serves /health and /metrics', { timeout: TEST_TIMEOUT }, async () => {
    const health = await fetch(`http://127.0.0.1:${resolver.httpPort}/health`);
    assert.equal(health.status, 200);
    const body = (await health.json()) as { status: string; lock: { api_addr: string } };
    assert.equal(body.status, 'ok');
    assert.equal(body.lock.api_addr, B.api);
    const metrics = await (await fetch(`http://127.0.0.1:${resolver.httpPort}/metrics`)).text();
    assert.match(metrics, /^tresor_dns_queries_total\{transport="udp"\} \d+$/m);
    assert.match(metrics, /^tresor_dns_responses_total\{qtype="A",rcode="NOERROR"\} \d+$/m);
    assert.match(metrics, /^tresor_dns_malformed_total\{transport="udp"\} \d+$/m);
    assert.match(metrics, /^tresor_dns_view_age_seconds \d+(\.\d+)?$/m);
    assert.equal((await fetch(`http://127.0.0.1:${resolver.httpPort}/nope`)).status, 404);

    const blind = await start({}, '127.0.0.1:1');
    try {
      const res = await fetch(`http://127.0.0.1:${blind.httpPort}/health`);
      assert.equal(res.status, 503);
      assert.deepEqual(((await res.json()) as { reasons: string[] }).reasons, [
        'the view of Consul is not loaded yet',
      ]);
      assert.equal(digStatus(await dig(blind.udpPort, 'active.vault.consul')), 'SERVFAIL');
    } finally {
      await blind.stop();
    }
  });

  it('recovers by itself when Consul restarts', { timeout: TEST_TIMEOUT }, async () => {
    const errorsBefore = resolver.metrics.watchErrors.total();
    await agent.restart();
    // Sessions and KV are gone (dev mode); the agent reloads its local services from its data dir.
    await consul.register(A.id, 'vault', A.address, A.port, ['active', 'initialized'], A.check);
    await consul.checkPass(A.check);
    await consul.deregister(B.id);
    const session = await consul.session('tresor A again');
    assert.equal(await consul.acquire(session, A.api), true);
    await pollUntil(
      async () => (await a4('active.vault.consul')).join() === '127.0.0.2',
      30_000,
      'the view to recover',
      50,
    );
    await pollUntil(
      async () => (await fetch(`http://127.0.0.1:${resolver.httpPort}/health`)).status === 200,
      30_000,
      'healthy again',
      50,
    );
    await pollUntil(
      async () => (await a4('vault.service.consul')).join() === '127.0.0.2',
      10_000,
      'B to be gone',
    );
    assert.ok(resolver.metrics.watchErrors.total() > errorsBefore, 'the watches saw Consul go away');
  });
});
