/**
 * The resolver proper: question + view of Consul + settings → answer. Pure: no I/O, no clock (the
 * caller passes `now`), the same input always gives the same output.
 *
 * Decisions (README.md, "DNS: `active.vault.consul`"):
 * - `active.<ha service>` answers only with the instance that holds the tresor lock: the lock key
 *   is held by a session, its advertisement names an api_addr, and the instance registered for
 *   that address is passing. Tags play no part, so a stale `active` tag never answers, and neither
 *   does a sealed (critical) node. `standby.<ha service>` leaves the lock holder out.
 * - When the view is older than `maxStaleMs`, `active` answers SERVFAIL rather than a holder that
 *   may have been deposed meanwhile; every other name keeps answering from the last view.
 * - A name that exists but has no eligible instance right now (nobody holds the lock, every
 *   instance critical) answers NOERROR with no records and the SOA in authority, its negative TTL
 *   the name's TTL (0 for `active`). Consul itself answers NXDOMAIN there (checked on 1.22.7); we
 *   do not, because NXDOMAIN denies the name for every type and sends stub resolvers down their
 *   search lists during what is only a failover gap. Names that do not exist (unknown service,
 *   tag no instance carries, unknown node or datacenter, malformed) answer NXDOMAIN with the SOA.
 * - Only instances whose checks all pass are healthy (`warning` is not).
 * - SRV targets are `<node>.node.<dc>.<domain>` for instances on their node's address and
 *   `<hex>.addr.<dc>.<domain>` for instances with their own address (as Consul does, since several
 *   instances can share a node); their A/AAAA records go in the additional section.
 */
import { isIP } from 'node:net';
import { holderMatcher } from './lock-holder.js';
import { addressHex, parseName } from './names.js';
import { QCLASS, QTYPE, type DnsRecord, type Question, type RcodeName } from './records.js';
import { instanceAddress, type ServiceInstance, type ViewSnapshot } from './view-types.js';

/** What the resolver needs to know besides the view. Names in lower case, without trailing dots. */
export interface ResolveSettings {
  readonly domain: string;
  readonly datacenter: string;
  /** The tresor service whose `active` tag is decided by the lock ("vault"). */
  readonly haService: string;
  /** Seconds. */
  readonly ttl: { readonly active: number; readonly service: number; readonly node: number };
  /** Above this view age `active` answers SERVFAIL. */
  readonly maxStaleMs: number;
}

/** Forward the query to an upstream, or answer it with these sections. */
export type Resolution =
  | { readonly kind: 'forward' }
  | {
      readonly kind: 'answer';
      readonly rcode: RcodeName;
      readonly answers: readonly DnsRecord[];
      readonly authority: readonly DnsRecord[];
      readonly additional: readonly DnsRecord[];
      /** Why the answer is empty or an error, for logs. */
      readonly reason?: string;
    };

type Sections = Omit<Extract<Resolution, { kind: 'answer' }>, 'kind' | 'rcode' | 'reason'>;

/** Answers one question from the view. */
export function resolve(
  question: Question,
  view: ViewSnapshot,
  settings: ResolveSettings,
  now: number,
): Resolution {
  const parsed = parseName(question.name, settings.domain);
  if (parsed.kind === 'outside') return { kind: 'forward' };
  const owner = question.name.endsWith('.') ? question.name.slice(0, -1) : question.name;
  const soa = (ttl: number): DnsRecord => soaRecord(settings.domain, ttl, now);
  const fail = (rcode: RcodeName, reason: string, ttl = settings.ttl.service): Resolution => ({
    kind: 'answer',
    rcode,
    answers: [],
    authority: rcode === 'NXDOMAIN' || rcode === 'NOERROR' ? [soa(ttl)] : [],
    additional: [],
    reason,
  });
  const answer = (sections: Sections, ttl: number, reason: string): Resolution =>
    sections.answers.length > 0
      ? { kind: 'answer', rcode: 'NOERROR', ...sections }
      : { kind: 'answer', rcode: 'NOERROR', answers: [], authority: [soa(ttl)], additional: [], reason };

  if (question.class !== QCLASS.IN && question.class !== QCLASS.ANY)
    return fail('REFUSED', 'class not served');
  if (question.type >= QTYPE.IXFR && question.type <= QTYPE.MAILA)
    return fail('NOTIMP', 'zone transfers not served');
  if (parsed.kind === 'invalid') return fail('NXDOMAIN', 'no such name');
  if (parsed.kind === 'apex') {
    const wantsSoa = question.type === QTYPE.SOA || question.type === QTYPE.ANY;
    const record = soa(settings.ttl.service);
    return wantsSoa
      ? {
          kind: 'answer',
          rcode: 'NOERROR',
          answers: [{ ...record, name: owner }],
          authority: [],
          additional: [],
        }
      : answer(
          { answers: [], authority: [], additional: [] },
          settings.ttl.service,
          'no such record at the apex',
        );
  }
  if (parsed.datacenter !== undefined && parsed.datacenter !== settings.datacenter)
    return fail('NXDOMAIN', `unknown datacenter "${parsed.datacenter}"`);
  if (parsed.kind === 'addr') {
    const records = addressRecords(owner, parsed.address, question.type, settings.ttl.service);
    return answer(
      { answers: records, authority: [], additional: [] },
      settings.ttl.service,
      'no record of that type',
    );
  }
  if (view.confirmedAt === undefined) return fail('SERVFAIL', 'the view of Consul is not loaded yet');

  if (parsed.kind === 'node') {
    const address = view.nodes.get(parsed.node);
    if (address === undefined) return fail('NXDOMAIN', `unknown node "${parsed.node}"`, settings.ttl.node);
    const records = addressRecords(owner, address, question.type, settings.ttl.node);
    return answer(
      { answers: records, authority: [], additional: [] },
      settings.ttl.node,
      'no record of that type',
    );
  }

  const { service, tag } = parsed;
  const isHa = service === settings.haService;
  const entry = view.services.get(service);
  const haTag = isHa && (tag === 'active' || tag === 'standby');
  const exists =
    haTag ||
    (isHa && tag === undefined) ||
    (entry !== undefined &&
      (tag === undefined || entry.tags.has(tag) || entry.instances.some((i) => hasTag(i, tag))));
  if (!exists)
    return fail('NXDOMAIN', `unknown service or tag "${tag === undefined ? '' : `${tag}.`}${service}"`);

  const all = entry?.instances ?? [];
  const lock = view.lock;
  const advertisement = lock.state === 'held' ? lock.advertisement : undefined;
  const holders = (): ServiceInstance[] =>
    advertisement === undefined ? [] : all.filter(holderMatcher(settings.haService, advertisement));
  let chosen: readonly ServiceInstance[];
  let ttl = settings.ttl.service;
  if (isHa && tag === 'active') {
    ttl = settings.ttl.active;
    if (now - view.confirmedAt > settings.maxStaleMs)
      return fail('SERVFAIL', 'the view of Consul is stale; the lock holder is not known', ttl);
    chosen = holders().filter(healthy);
  } else if (isHa && tag === 'standby') {
    const holding = new Set(holders());
    chosen = all.filter((i) => healthy(i) && hasTag(i, 'standby') && !holding.has(i));
  } else {
    chosen = all.filter((i) => healthy(i) && (tag === undefined || hasTag(i, tag)));
  }
  const reason =
    chosen.length === 0
      ? isHa && tag === 'active'
        ? lock.state === 'held'
          ? 'the lock holder has no passing instance'
          : 'nobody holds the lock'
        : 'no passing instance'
      : 'no record of that type';
  return answer(serviceSections(owner, chosen, question.type, ttl, settings), ttl, reason);
}

/** A, AAAA, CNAME or SRV records for the chosen instances. */
function serviceSections(
  owner: string,
  instances: readonly ServiceInstance[],
  type: number,
  ttl: number,
  settings: ResolveSettings,
): Sections {
  if (type === QTYPE.SRV) {
    const answers: DnsRecord[] = [];
    const additional: DnsRecord[] = [];
    const seen = new Set<string>();
    for (const instance of instances) {
      const target = srvTarget(instance, settings);
      answers.push({ name: owner, type: 'SRV', ttl, priority: 1, weight: 1, port: instance.port, target });
      if (seen.has(target)) continue;
      seen.add(target);
      additional.push(...addressRecords(target, instanceAddress(instance), QTYPE.ANY, ttl));
    }
    return { answers, authority: [], additional };
  }
  const answers: DnsRecord[] = [];
  const seen = new Set<string>();
  for (const instance of instances) {
    const address = instanceAddress(instance);
    if (seen.has(address)) continue;
    seen.add(address);
    answers.push(...addressRecords(owner, address, type, ttl));
  }
  return { answers, authority: [], additional: [] };
}

/** The records of `address` under `owner` that answer `type`: A, AAAA, or a CNAME for a host name. */
function addressRecords(owner: string, address: string, type: number, ttl: number): DnsRecord[] {
  const wantsA = type === QTYPE.A || type === QTYPE.ANY;
  const wantsAaaa = type === QTYPE.AAAA || type === QTYPE.ANY;
  const family = ipFamily(address);
  if (family === 4) return wantsA ? [{ name: owner, type: 'A', ttl, address }] : [];
  if (family === 6) return wantsAaaa ? [{ name: owner, type: 'AAAA', ttl, address }] : [];
  if (address === '' || !(wantsA || wantsAaaa || type === QTYPE.CNAME)) return [];
  return [{ name: owner, type: 'CNAME', ttl, target: address.replace(/\.$/, '') }];
}

/** The SRV target of an instance: its node's name, its address in hex, or its host name. */
function srvTarget(instance: ServiceInstance, settings: ResolveSettings): string {
  const address = instanceAddress(instance);
  const suffix = `${settings.datacenter}.${settings.domain}`;
  if (instance.serviceAddress === '' || instance.serviceAddress === instance.nodeAddress)
    return `${instance.node}.node.${suffix}`;
  const hex = addressHex(address);
  return hex === undefined ? address.replace(/\.$/, '') : `${hex}.addr.${suffix}`;
}

/** The zone's SOA; its TTL and minimum are the negative-caching TTL of the answer it comes with. */
function soaRecord(domain: string, ttl: number, now: number): DnsRecord {
  return {
    name: domain,
    type: 'SOA',
    ttl,
    primary: `ns.${domain}`,
    admin: `hostmaster.${domain}`,
    serial: Math.floor(now / 1000) >>> 0,
    refresh: 3600,
    retry: 600,
    expire: 86400,
    minimum: ttl,
  };
}

function healthy(instance: ServiceInstance): boolean {
  return instance.status === 'passing';
}

function hasTag(instance: ServiceInstance, tag: string): boolean {
  return instance.tags.some((t) => t.toLowerCase() === tag);
}

function ipFamily(address: string): 4 | 6 | undefined {
  const family = isIP(address);
  return family === 4 || family === 6 ? family : undefined;
}
