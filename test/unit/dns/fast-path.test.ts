/**
 * The fast path (query-scan.ts + answer-cache.ts in DnsServer.fastAnswer) against the slow path
 * (dns2's parser, the resolver, dns2's encoder): for the same query, a fast answer is byte for
 * byte what a server without the fast path sends, over real UDP and TCP sockets on loopback.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import dns2 from 'dns2';
import { resolverConfig, withOverrides } from '../../../dns/config.js';
import { DnsMetrics } from '../../../dns/metrics.js';
import { DnsServer } from '../../../dns/server.js';
import type { LockState, ServiceEntry, ServiceInstance, ViewSnapshot } from '../../../dns/view-types.js';
import { silentLogger } from '../../../src/helper/logger.js';
import { query, reId } from './wire-query.js';

const NOW = 1_800_000_000_000;
const COOKIE = { code: 10, data: Buffer.from('0123456789abcdef', 'hex') };

function instance(id: string, address: string, over: Partial<ServiceInstance> = {}): ServiceInstance {
  return {
    id,
    node: 'node-1',
    nodeAddress: '10.0.0.1',
    serviceAddress: address,
    port: 8200,
    tags: ['initialized'],
    status: 'passing',
    ...over,
  };
}

function held(apiAddr: string): LockState {
  return { state: 'held', session: 's', advertisement: { nodeId: 'n', apiAddr, clusterAddr: '' } };
}

function view(lock: LockState, version: number): ViewSnapshot {
  const vault = [
    instance('vault:127.0.0.2:8200', '127.0.0.2'),
    instance('vault:127.0.0.3:8200', '127.0.0.3', { tags: ['standby'] }),
  ];
  const web = [
    instance('web-1', '', { node: 'node-1', port: 80 }),
    instance('web-2', '', { node: 'node-2', nodeAddress: '10.0.0.2', port: 80 }),
  ];
  const big = Array.from({ length: 60 }, (_, i) => instance(`big-${i}`, `10.1.0.${i}`, { port: 80 }));
  const services = new Map<string, ServiceEntry>([
    ['vault', { name: 'vault', tags: new Set(['initialized', 'standby']), instances: vault }],
    ['web', { name: 'web', tags: new Set(['initialized']), instances: web }],
    ['big', { name: 'big', tags: new Set(['initialized']), instances: big }],
  ]);
  return {
    services,
    nodes: new Map([
      ['node-1', '10.0.0.1'],
      ['node-2', '10.0.0.2'],
    ]),
    lock,
    confirmedAt: NOW,
    version,
  };
}

/** The slow path alone: the reference. */
class SlowOnly extends DnsServer {
  override fastAnswer(): undefined {
    return undefined;
  }
}

type Transport = 'udp' | 'tcp';

function server(current: () => ViewSnapshot, Kind = DnsServer): { server: DnsServer; metrics: DnsMetrics } {
  const config = withOverrides(resolverConfig({}, 'test', {}), { listen: '127.0.0.1:0', upstreams: [] });
  const metrics = new DnsMetrics();
  return {
    server: new Kind({ config, view: current, metrics, logger: silentLogger(), now: () => NOW }),
    metrics,
  };
}

/** One exchange over UDP (undefined when no answer comes within 300 ms) or TCP. */
async function ask(port: number, wire: Buffer, transport: Transport): Promise<Buffer | undefined> {
  if (transport === 'udp') {
    const socket = createSocket('udp4');
    try {
      return await new Promise<Buffer | undefined>((resolve) => {
        const timer = setTimeout(() => {
          resolve(undefined);
        }, 300);
        socket.once('message', (msg) => {
          clearTimeout(timer);
          resolve(msg);
        });
        socket.send(wire, port, '127.0.0.1');
      });
    } finally {
      socket.close();
    }
  }
  const socket = connect(port, '127.0.0.1');
  try {
    return await new Promise<Buffer | undefined>((resolve, reject) => {
      let got = Buffer.alloc(0);
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0))
          resolve(got.subarray(2, 2 + got.readUInt16BE(0)));
      });
      const length = Buffer.alloc(2);
      length.writeUInt16BE(wire.length);
      socket.write(Buffer.concat([length, wire]));
    });
  } finally {
    socket.destroy();
  }
}

describe('dns fast path', () => {
  let current = view(held('https://127.0.0.2:8200'), 1);
  const fast = server(() => current);
  const slow = server(() => current, SlowOnly);
  let fastPort = 0;
  let slowPort = 0;

  before(async () => {
    fastPort = (await fast.server.listen()).udpPort;
    slowPort = (await slow.server.listen()).udpPort;
  });
  after(async () => {
    await Promise.all([fast.server.close(), slow.server.close()]);
  });

  /** Primes the fast server with `wire`, then checks its fast answer to a re-id'd copy against the slow server. */
  const sameAsSlow = async (wire: Buffer, transport: Transport, why: string): Promise<Buffer> => {
    const first = await ask(fastPort, wire, transport);
    assert.ok(first !== undefined, `${why}: answered`);
    const again = reId(wire, 0x4321);
    const answer = fast.server.fastAnswer(again, transport);
    assert.ok(answer !== undefined, `${why}: answered by the fast path`);
    const reference = await ask(slowPort, again, transport);
    assert.ok(reference !== undefined);
    assert.equal(answer.toString('hex'), reference.toString('hex'), why);
    return answer;
  };

  it('answers byte for byte like the slow path', async () => {
    const cases: [Buffer, Transport, string][] = [
      [query({ name: 'active.vault.consul' }), 'udp', 'A'],
      [query({ name: 'AcTiVe.VaUlT.CoNsUl' }), 'udp', 'A, mixed case'],
      [query({ name: 'active.vault.consul', rd: false, flags3: 0x30 }), 'udp', 'A, RD clear, AD and CD set'],
      [query({ name: 'active.vault.consul', type: 28 }), 'udp', 'AAAA (NOERROR, SOA)'],
      [query({ name: 'active.vault.consul', type: 255 }), 'udp', 'ANY'],
      [query({ name: 'active.vault.service.consul', type: 33 }), 'udp', 'SRV'],
      [query({ name: 'Active.Vault.Service.Consul', type: 33, opt: { payload: 4096 } }), 'udp', 'SRV, EDNS'],
      [
        query({ name: 'active.vault.consul', opt: { payload: 1232, options: [COOKIE] } }),
        'udp',
        'EDNS cookie',
      ],
      [query({ name: 'active.vault.consul', opt: { payload: 200, ttl: 0x8000 } }), 'udp', 'EDNS 200, DO'],
      [query({ name: 'standby.vault.consul' }), 'udp', 'standby'],
      [query({ name: 'nope.service.consul' }), 'udp', 'unknown service (NXDOMAIN)'],
      [query({ name: 'Nope.Service.Consul', opt: { payload: 4096 } }), 'udp', 'NXDOMAIN, EDNS'],
      [query({ name: 'node-1.node.consul' }), 'udp', 'node'],
      [query({ name: '7f000002.addr.dc1.consul' }), 'udp', 'addr'],
      [query({ name: 'consul', type: 6 }), 'udp', 'apex SOA'],
      [query({ name: 'active.vault.consul', class: 3 }), 'udp', 'class CH (REFUSED)'],
      [query({ name: 'active.vault.consul', type: 252 }), 'udp', 'AXFR (NOTIMP)'],
      [query({ name: 'active.vault.consul' }), 'tcp', 'A over TCP'],
      [query({ name: 'ACTIVE.vault.consul', type: 33, opt: { payload: 512 } }), 'tcp', 'SRV over TCP, EDNS'],
    ];
    for (const [wire, transport, why] of cases) await sameAsSlow(wire, transport, why);
    const out = dns2.Packet.parse(
      await sameAsSlow(query({ name: 'AcTiVe.vault.consul', id: 7 }), 'udp', 'echo'),
    );
    assert.equal(out.questions[0]?.name, 'AcTiVe.vault.consul', 'the question keeps its case');
    assert.equal(out.answers[0]?.name, 'AcTiVe.vault.consul');
    assert.equal(out.header.id, 0x4321);
  });

  it('counts a fast answer like a slow one', async () => {
    const wire = query({ name: 'active.vault.consul', id: 99, opt: { payload: 1000 } });
    await ask(fastPort, wire, 'udp');
    const { metrics } = fast;
    const before = [
      metrics.queries.get({ transport: 'udp' }),
      metrics.responses.get({ qtype: 'A', rcode: 'NOERROR' }),
    ];
    assert.ok(fast.server.fastAnswer(reId(wire, 5), 'udp') !== undefined);
    assert.deepEqual(
      [metrics.queries.get({ transport: 'udp' }), metrics.responses.get({ qtype: 'A', rcode: 'NOERROR' })],
      before.map((n) => n + 1),
    );
  });

  it('keeps truncation over UDP: a large answer is answered TC from the slow path, never cached', async () => {
    const wire = query({ name: 'big.service.consul' });
    const first = await ask(fastPort, wire, 'udp');
    assert.ok(first !== undefined);
    assert.equal(dns2.Packet.parse(first).header.tc, 1);
    assert.equal(fast.server.fastAnswer(reId(wire, 1), 'udp'), undefined, 'several records: not cached');
  });

  it('does not cache answers with several records (their order is shuffled)', async () => {
    const wire = query({ name: 'web.service.consul' });
    const first = await ask(fastPort, wire, 'udp');
    assert.equal(first === undefined ? 0 : dns2.Packet.parse(first).answers.length, 2);
    assert.equal(fast.server.fastAnswer(reId(wire, 1), 'udp'), undefined);
  });

  it('answers the new lock holder from the first query after the view changed', async () => {
    const wire = query({ name: 'active.vault.consul', id: 1 });
    const address = (answer: Buffer | undefined): unknown =>
      answer === undefined
        ? undefined
        : (dns2.Packet.parse(answer).answers[0] as { address?: string } | undefined)?.address;
    assert.equal(address(await ask(fastPort, wire, 'udp')), '127.0.0.2');
    assert.equal(address(fast.server.fastAnswer(reId(wire, 2), 'udp')), '127.0.0.2');
    current = view(held('https://127.0.0.3:8200'), 2);
    assert.equal(
      fast.server.fastAnswer(reId(wire, 3), 'udp'),
      undefined,
      'the cache is gone with the old view',
    );
    assert.equal(address(await ask(fastPort, wire, 'udp')), '127.0.0.3');
    assert.equal(address(fast.server.fastAnswer(reId(wire, 4), 'udp')), '127.0.0.3');
    current = view({ state: 'free' }, 3);
    const free = await ask(fastPort, wire, 'udp');
    assert.ok(free !== undefined);
    assert.equal(dns2.Packet.parse(free).answers.length, 0, 'nobody holds the lock: no record');
    current = view(held('https://127.0.0.2:8200'), 4);
  });

  it('leaves unusual shapes to the slow path, which answers them as before', async () => {
    const ecs = query({
      name: 'active.vault.consul',
      opt: { payload: 4096, options: [{ code: 8, data: Buffer.from([0, 1, 24, 0, 10, 0, 0]) }] },
    });
    const twoOptions = query({
      name: 'active.vault.consul',
      opt: { payload: 4096, options: [COOKIE, COOKIE] },
    });
    const pointer = Buffer.concat([
      query({ name: 'active.vault.consul' }).subarray(0, 12),
      Buffer.from([6, ...Buffer.from('active'), 5, ...Buffer.from('vault'), 0xc0, 12, 0, 1, 0, 1]),
    ]);
    const trailing = Buffer.concat([query({ name: 'active.vault.consul' }), Buffer.from([0, 0])]);
    const iquery = query({ name: 'active.vault.consul', opcode: 1 });
    for (const [wire, why] of [
      [ecs, 'ECS'],
      [twoOptions, 'two options'],
      [pointer, 'pointer'],
      [trailing, 'trailing bytes'],
      [iquery, 'IQUERY'],
    ] as const) {
      const first = await ask(fastPort, wire, 'udp');
      const reference = await ask(slowPort, wire, 'udp');
      assert.equal(first?.toString('hex'), reference?.toString('hex'), why);
      assert.equal(fast.server.fastAnswer(reId(wire, 1), 'udp'), undefined, why);
    }
  });

  it('survives mutated and random messages, answering each as the slow path does', async () => {
    let seed = 0x5eed;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const bases = [
      query({ name: 'active.vault.consul' }),
      query({ name: 'x.consul', type: 33, opt: { payload: 4096, options: [COOKIE] } }),
      query({ name: 'web.service.consul', opt: { payload: 1232 } }),
    ];
    for (let i = 0; i < 150; i++) {
      const base = bases[random(bases.length)] ?? Buffer.alloc(0);
      const wire =
        i % 10 === 9 ? Buffer.from(Array.from({ length: random(60) }, () => random(256))) : Buffer.from(base);
      for (let k = 1 + random(3); k > 0 && i % 10 !== 9; k--) wire[random(wire.length)] = random(256);
      const cut = i % 7 === 3 ? wire.subarray(0, random(wire.length)) : wire;
      const first = await ask(fastPort, cut, 'udp');
      const answer = fast.server.fastAnswer(reId(cut, 0x77), 'udp');
      if (answer !== undefined) {
        const reference = await ask(slowPort, reId(cut, 0x77), 'udp');
        assert.equal(
          answer.toString('hex'),
          reference?.toString('hex'),
          `mutation ${i}: ${cut.toString('hex')}`,
        );
      } else if (first !== undefined && dns2.Packet.parse(first).answers.length <= 1) {
        // Not cached: the slow path answers it again, like the reference.
        const reference = await ask(slowPort, cut, 'udp');
        assert.equal(reference === undefined, false, `mutation ${i}: the reference answers too`);
      }
    }
    const ok = await ask(fastPort, query({ name: 'active.vault.consul', id: 3 }), 'udp');
    assert.ok(ok !== undefined && dns2.Packet.parse(ok).answers.length === 1, 'still answering');
  });
});
