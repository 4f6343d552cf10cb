import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QTYPE, type DnsRecord, type Question } from '../../../dns/records.js';
import { resolve, type Resolution, type ResolveSettings } from '../../../dns/resolve.js';
import type { LockState, ServiceEntry, ServiceInstance, ViewSnapshot } from '../../../dns/view-types.js';

const NOW = 1_800_000_000_000;

const SETTINGS: ResolveSettings = {
  domain: 'consul',
  datacenter: 'dc1',
  haService: 'vault',
  ttl: { active: 0, service: 5, node: 30 },
  maxStaleMs: 15_000,
};

function instance(id: string, over: Partial<ServiceInstance> = {}): ServiceInstance {
  return {
    id,
    node: 'node-1',
    nodeAddress: '10.0.0.1',
    serviceAddress: '',
    port: 8200,
    tags: [],
    status: 'passing',
    ...over,
  };
}

/** vault on 127.0.0.2 and 127.0.0.3 (both tagged active: one of them stale), plus a web service. */
function vaultInstances(
  over: { two?: Partial<ServiceInstance>; three?: Partial<ServiceInstance> } = {},
): ServiceInstance[] {
  return [
    instance('vault:127.0.0.2:8200', {
      serviceAddress: '127.0.0.2',
      tags: ['active', 'initialized'],
      ...over.two,
    }),
    instance('vault:127.0.0.3:8200', {
      serviceAddress: '127.0.0.3',
      tags: ['active', 'initialized'],
      ...over.three,
    }),
  ];
}

function held(apiAddr: string): LockState {
  return { state: 'held', session: 'sess-1', advertisement: { nodeId: 'n', apiAddr, clusterAddr: '' } };
}

function view(
  opts: {
    vault?: ServiceInstance[];
    lock?: LockState;
    confirmedAt?: number | undefined;
    extra?: ServiceEntry[];
  } = {},
): ViewSnapshot {
  const vault = opts.vault ?? vaultInstances();
  const services = new Map<string, ServiceEntry>();
  services.set('vault', { name: 'vault', tags: new Set(vault.flatMap((i) => i.tags)), instances: vault });
  services.set('web', {
    name: 'web',
    tags: new Set(['blue']),
    instances: [
      instance('web-1', { node: 'node-1', port: 8080, tags: ['blue'] }),
      instance('web-2', { node: 'node-2', nodeAddress: '10.0.0.2', port: 8081, tags: [] }),
      instance('web-3', { node: 'node-3', nodeAddress: '10.0.0.3', port: 8082, status: 'critical' }),
      instance('web-4', { node: 'node-4', nodeAddress: '10.0.0.4', port: 8083, status: 'warning' }),
    ],
  });
  for (const e of opts.extra ?? []) services.set(e.name.toLowerCase(), e);
  return {
    services,
    nodes: new Map([
      ['node-1', '10.0.0.1'],
      ['node-2', '10.0.0.2'],
      ['node-v6', 'fd00::1'],
    ]),
    lock: opts.lock ?? held('https://127.0.0.2:8200'),
    confirmedAt: 'confirmedAt' in opts ? opts.confirmedAt : NOW - 1000,
  };
}

function ask(name: string, type: number = QTYPE.A, v: ViewSnapshot = view(), now = NOW): Resolution {
  const question: Question = { name, type, class: 1 };
  return resolve(question, v, SETTINGS, now);
}

type Answer = Extract<Resolution, { kind: 'answer' }>;

function answered(r: Resolution): Answer {
  if (r.kind !== 'answer') assert.fail(`expected an answer, got ${r.kind}`);
  return r;
}

function addresses(r: Resolution): string[] {
  return answered(r)
    .answers.flatMap((a) => (a.type === 'A' || a.type === 'AAAA' ? [a.address] : []))
    .sort();
}

function assertNoData(r: Resolution, ttl: number): void {
  const a = answered(r);
  assert.equal(a.rcode, 'NOERROR');
  assert.deepEqual(a.answers, []);
  assert.equal(a.authority.length, 1);
  const soa = a.authority[0] as Extract<DnsRecord, { type: 'SOA' }>;
  assert.equal(soa.type, 'SOA');
  assert.equal(soa.name, 'consul');
  assert.equal(soa.ttl, ttl);
  assert.equal(soa.minimum, ttl);
}

function assertNxdomain(r: Resolution): void {
  const a = answered(r);
  assert.equal(a.rcode, 'NXDOMAIN');
  assert.deepEqual(a.answers, []);
  assert.equal(a.authority[0]?.type, 'SOA');
}

describe('dns resolve: service names', () => {
  it('answers every name form for a service with its passing instances', () => {
    for (const name of [
      'web.service.consul',
      'web.service.dc1.consul',
      'web.consul',
      '_web._tcp.service.consul',
    ]) {
      assert.deepEqual(addresses(ask(name)), ['10.0.0.1', '10.0.0.2'], name);
    }
  });

  it('filters on a tag in the long, datacenter, short and RFC 2782 forms', () => {
    for (const name of [
      'blue.web.service.consul',
      'blue.web.service.dc1.consul',
      'blue.web.consul',
      '_web._blue.service.consul',
      '_web._blue.consul',
    ]) {
      assert.deepEqual(addresses(ask(name)), ['10.0.0.1'], name);
    }
  });

  it('is case-insensitive and accepts a trailing dot, keeping the asked name as owner', () => {
    const r = answered(ask('Blue.WEB.Service.CONSUL.'));
    assert.deepEqual(r.answers, [
      { name: 'Blue.WEB.Service.CONSUL', type: 'A', ttl: 5, address: '10.0.0.1' },
    ]);
    assert.deepEqual(addresses(ask('ACTIVE.Vault.Consul')), ['127.0.0.2']);
  });

  it('leaves out critical and warning instances', () => {
    const r = addresses(ask('web.service.consul'));
    assert.ok(!r.includes('10.0.0.3') && !r.includes('10.0.0.4'));
  });

  it('uses the service TTL for service answers', () => {
    assert.ok(answered(ask('web.service.consul')).answers.every((a) => a.ttl === 5));
  });
});

describe('dns resolve: active follows the lock, never the tags', () => {
  it('answers only the lock holder although both instances carry an active tag', () => {
    for (const name of [
      'active.vault.consul',
      'active.vault.service.consul',
      'active.vault.service.dc1.consul',
      '_vault._active.service.consul',
    ]) {
      assert.deepEqual(addresses(ask(name)), ['127.0.0.2'], name);
    }
    const moved = view({ lock: held('https://127.0.0.3:8200') });
    assert.deepEqual(addresses(ask('active.vault.consul', QTYPE.A, moved)), ['127.0.0.3']);
  });

  it('answers with TTL 0 by default', () => {
    assert.equal(answered(ask('active.vault.consul')).answers[0]?.ttl, 0);
  });

  it('answers nothing (NOERROR + SOA, TTL 0) when the holder is sealed (critical)', () => {
    const v = view({ vault: vaultInstances({ two: { status: 'critical' } }) });
    assertNoData(ask('active.vault.consul', QTYPE.A, v), 0);
    assert.equal(
      answered(ask('active.vault.consul', QTYPE.A, v)).reason,
      'the lock holder has no passing instance',
    );
  });

  it('answers nothing when nobody holds the lock, even with active tags around', () => {
    const r = ask('active.vault.consul', QTYPE.A, view({ lock: { state: 'free' } }));
    assertNoData(r, 0);
    assert.equal(answered(r).reason, 'nobody holds the lock');
  });

  it('answers nothing when the lock value is not an advertisement or names no registered instance', () => {
    assertNoData(
      ask(
        'active.vault.consul',
        QTYPE.A,
        view({ lock: { state: 'held', session: 's', advertisement: undefined } }),
      ),
      0,
    );
    assertNoData(ask('active.vault.consul', QTYPE.A, view({ lock: held('https://127.0.0.9:8200') })), 0);
    assertNoData(ask('active.vault.consul', QTYPE.A, view({ lock: held('https://127.0.0.2:9999') })), 0);
  });

  it('finds the holder by its service ID when the registered address differs from api_addr', () => {
    const v = view({
      vault: [instance('vault:vault-a.example:8200', { serviceAddress: '10.9.9.9', tags: ['standby'] })],
      lock: held('https://VAULT-A.example:8200'),
    });
    assert.deepEqual(addresses(ask('active.vault.consul', QTYPE.A, v)), ['10.9.9.9']);
  });

  it('leaves the lock holder out of standby, and answers standbys that pass', () => {
    const v = view({
      vault: [
        instance('vault:127.0.0.2:8200', { serviceAddress: '127.0.0.2', tags: ['standby'] }),
        instance('vault:127.0.0.3:8200', { serviceAddress: '127.0.0.3', tags: ['standby'] }),
        instance('vault:127.0.0.4:8200', {
          serviceAddress: '127.0.0.4',
          tags: ['standby'],
          status: 'critical',
        }),
      ],
    });
    assert.deepEqual(addresses(ask('standby.vault.consul', QTYPE.A, v)), ['127.0.0.3']);
    assert.deepEqual(addresses(ask('vault.service.consul', QTYPE.A, v)), ['127.0.0.2', '127.0.0.3']);
  });

  it('answers SERVFAIL for active when the view is stale, but keeps answering other names', () => {
    const stale = view({ confirmedAt: NOW - 60_000 });
    assert.equal(answered(ask('active.vault.consul', QTYPE.A, stale)).rcode, 'SERVFAIL');
    assert.deepEqual(addresses(ask('web.service.consul', QTYPE.A, stale)), ['10.0.0.1', '10.0.0.2']);
  });

  it('answers SERVFAIL inside the domain until the view is loaded', () => {
    const empty = view({ confirmedAt: undefined });
    assert.equal(answered(ask('active.vault.consul', QTYPE.A, empty)).rcode, 'SERVFAIL');
    assert.equal(answered(ask('node-1.node.consul', QTYPE.A, empty)).rcode, 'SERVFAIL');
  });

  it('knows the HA service even before it is registered (no answer, not NXDOMAIN)', () => {
    const v = view({ vault: [], lock: { state: 'free' } });
    assertNoData(ask('active.vault.consul', QTYPE.A, v), 0);
    assertNoData(ask('vault.service.consul', QTYPE.A, v), 5);
  });
});

describe('dns resolve: SRV', () => {
  it('carries ports and targets, with the targets’ addresses in the additional section', () => {
    const r = answered(ask('_web._tcp.service.consul', QTYPE.SRV));
    const srv = r.answers
      .map((a) => (a.type === 'SRV' ? `${a.priority} ${a.weight} ${a.port} ${a.target}` : a.type))
      .sort();
    assert.deepEqual(srv, ['1 1 8080 node-1.node.dc1.consul', '1 1 8081 node-2.node.dc1.consul']);
    const extra = r.additional.map((a) => (a.type === 'A' ? `${a.name} ${a.address}` : a.type)).sort();
    assert.deepEqual(extra, ['node-1.node.dc1.consul 10.0.0.1', 'node-2.node.dc1.consul 10.0.0.2']);
  });

  it('uses <hex>.addr targets for instances with their own address, and follows the lock for active', () => {
    const r = answered(ask('active.vault.service.consul', QTYPE.SRV));
    assert.deepEqual(r.answers, [
      {
        name: 'active.vault.service.consul',
        type: 'SRV',
        ttl: 0,
        priority: 1,
        weight: 1,
        port: 8200,
        target: '7f000002.addr.dc1.consul',
      },
    ]);
    assert.deepEqual(r.additional, [
      { name: '7f000002.addr.dc1.consul', type: 'A', ttl: 0, address: '127.0.0.2' },
    ]);
  });

  it('resolves the addr names it hands out', () => {
    assert.deepEqual(addresses(ask('7f000002.addr.dc1.consul')), ['127.0.0.2']);
    assert.deepEqual(addresses(ask('fd000000000000000000000000000001.addr.consul', QTYPE.AAAA)), [
      'fd00:0:0:0:0:0:0:1',
    ]);
    assertNxdomain(ask('7f0002.addr.consul'));
  });
});

describe('dns resolve: nodes', () => {
  it('answers <node>.node.<domain> and the datacenter form with the node TTL', () => {
    for (const name of ['node-2.node.consul', 'NODE-2.node.dc1.consul']) {
      const r = answered(ask(name));
      assert.deepEqual(r.answers, [{ name, type: 'A', ttl: 30, address: '10.0.0.2' }]);
    }
  });

  it('answers AAAA for an IPv6 node, and NODATA for AAAA of an IPv4 node', () => {
    assert.deepEqual(addresses(ask('node-v6.node.consul', QTYPE.AAAA)), ['fd00::1']);
    assertNoData(ask('node-1.node.consul', QTYPE.AAAA), 30);
  });

  it('answers NXDOMAIN for an unknown node', () => {
    assertNxdomain(ask('nope.node.consul'));
  });
});

describe('dns resolve: AAAA and other types', () => {
  it('answers AAAA with NOERROR and no records for IPv4-only instances', () => {
    assertNoData(ask('web.service.consul', QTYPE.AAAA), 5);
    assertNoData(ask('active.vault.consul', QTYPE.AAAA), 0);
  });

  it('answers AAAA records for IPv6 instances', () => {
    const v6: ServiceEntry = {
      name: 'six',
      tags: new Set(),
      instances: [instance('six-1', { serviceAddress: 'fd00::6' })],
    };
    assert.deepEqual(addresses(ask('six.service.consul', QTYPE.AAAA, view({ extra: [v6] }))), ['fd00::6']);
    assertNoData(ask('six.service.consul', QTYPE.A, view({ extra: [v6] })), 5);
  });

  it('answers a CNAME for an instance registered with a host name', () => {
    const named: ServiceEntry = {
      name: 'named',
      tags: new Set(),
      instances: [instance('n-1', { serviceAddress: 'db.example.com' })],
    };
    assert.deepEqual(answered(ask('named.service.consul', QTYPE.A, view({ extra: [named] }))).answers, [
      { name: 'named.service.consul', type: 'CNAME', ttl: 5, target: 'db.example.com' },
    ]);
  });

  it('answers NODATA for a type it does not serve on an existing name, and the SOA at the apex', () => {
    assertNoData(ask('web.service.consul', QTYPE.TXT), 5);
    assert.equal(answered(ask('consul', QTYPE.SOA)).answers[0]?.type, 'SOA');
    assertNoData(ask('consul.', QTYPE.A), 5);
  });

  it('refuses other classes and zone transfers', () => {
    assert.equal(
      answered(resolve({ name: 'web.service.consul', type: QTYPE.A, class: 3 }, view(), SETTINGS, NOW)).rcode,
      'REFUSED',
    );
    assert.equal(answered(ask('web.service.consul', QTYPE.AXFR)).rcode, 'NOTIMP');
  });
});

describe('dns resolve: unknown names and forwarding', () => {
  it('answers NXDOMAIN with the SOA for names inside the domain that do not exist', () => {
    for (const name of [
      'nosuch.service.consul',
      'nosuch.consul',
      'green.web.service.consul',
      'web.service.dc2.consul',
      'a.b.c.consul',
      'x..consul',
      'service.consul',
      '_web.service.consul',
      'active.nosuch.consul',
    ]) {
      assertNxdomain(ask(name));
    }
  });

  it('forwards names outside the domain', () => {
    assert.deepEqual(ask('example.com'), { kind: 'forward' });
    assert.deepEqual(ask('notconsul'), { kind: 'forward' });
    assert.deepEqual(ask('vault.consul.example.com'), { kind: 'forward' });
  });
});
