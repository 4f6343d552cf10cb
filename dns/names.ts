/**
 * Parsing a query name inside the resolver's domain into what it asks for (pure). The forms, with
 * `<domain>` the configured domain ("consul") and `<dc>` a datacenter label:
 *
 *   <service>.service[.<dc>].<domain>           every healthy instance
 *   <tag>.<service>.service[.<dc>].<domain>     healthy instances carrying <tag>
 *   _<service>._<tag>[.service][.<dc>].<domain> RFC 2782 form; `_tcp` means "any tag"
 *   <service>.<domain>, <tag>.<service>.<domain> short forms (the DNSmasq-era `active.vault.consul`)
 *   <node>.node[.<dc>].<domain>                 a node's address
 *   <hex>.addr[.<dc>].<domain>                  an address spelled in hex (8 digits IPv4, 32 IPv6),
 *                                               the SRV target of instances with their own address
 */

/** What a name inside (or outside) the domain asks for. */
export type ParsedName =
  | { readonly kind: 'outside' }
  | { readonly kind: 'apex' }
  | { readonly kind: 'invalid' }
  | {
      readonly kind: 'service';
      readonly service: string;
      readonly tag: string | undefined;
      readonly datacenter: string | undefined;
    }
  | { readonly kind: 'node'; readonly node: string; readonly datacenter: string | undefined }
  | { readonly kind: 'addr'; readonly address: string; readonly datacenter: string | undefined };

const TYPE_LABELS = new Set(['service', 'node', 'addr']);

/** Lower-cases a name and strips one trailing dot. */
export function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** Parses `name` (any case, trailing dot optional) against `domain` (lower case, no trailing dot). */
export function parseName(name: string, domain: string): ParsedName {
  const n = normalizeName(name);
  if (n === domain) return { kind: 'apex' };
  if (!n.endsWith(`.${domain}`)) return { kind: 'outside' };
  const labels = n.slice(0, -(domain.length + 1)).split('.');
  if (labels.some((l) => l === '')) return { kind: 'invalid' };

  const last = labels[labels.length - 1] ?? '';
  const beforeLast = labels[labels.length - 2];
  let type: string;
  let datacenter: string | undefined;
  let rest: string[];
  if (TYPE_LABELS.has(last)) {
    type = last;
    rest = labels.slice(0, -1);
  } else if (beforeLast !== undefined && TYPE_LABELS.has(beforeLast)) {
    type = beforeLast;
    datacenter = last;
    rest = labels.slice(0, -2);
  } else if (labels.length <= 2) {
    return serviceName(labels, undefined);
  } else {
    return { kind: 'invalid' };
  }

  switch (type) {
    case 'service':
      return serviceName(rest, datacenter);
    case 'node':
      return rest.length === 0 ? { kind: 'invalid' } : { kind: 'node', node: rest.join('.'), datacenter };
    default: {
      const address = rest.length === 1 ? hexAddress(rest[0] ?? '') : undefined;
      return address === undefined ? { kind: 'invalid' } : { kind: 'addr', address, datacenter };
    }
  }
}

/** `[service]`, `[tag, service]` or the RFC 2782 `[_service, _tag]`. */
function serviceName(rest: readonly string[], datacenter: string | undefined): ParsedName {
  const [first, second] = rest;
  if (first === undefined || rest.length > 2) return { kind: 'invalid' };
  if (second === undefined) {
    return first.startsWith('_')
      ? { kind: 'invalid' }
      : { kind: 'service', service: first, tag: undefined, datacenter };
  }
  if (first.startsWith('_') && second.startsWith('_')) {
    const service = first.slice(1);
    const tag = second.slice(1);
    if (service === '' || tag === '') return { kind: 'invalid' };
    return { kind: 'service', service, tag: tag === 'tcp' ? undefined : tag, datacenter };
  }
  return { kind: 'service', service: second, tag: first, datacenter };
}

/** `7f000002` → "127.0.0.2"; 32 hex digits → an IPv6 address; anything else → undefined. */
export function hexAddress(label: string): string | undefined {
  if (/^[0-9a-f]{8}$/.test(label)) {
    return [0, 2, 4, 6].map((i) => Number.parseInt(label.slice(i, i + 2), 16)).join('.');
  }
  if (/^[0-9a-f]{32}$/.test(label)) {
    const groups: string[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(Number.parseInt(label.slice(i, i + 4), 16).toString(16));
    return groups.join(':');
  }
  return undefined;
}

/** The inverse of hexAddress for an IP address: "127.0.0.2" → `7f000002`; undefined for other strings. */
export function addressHex(address: string): string | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (v4 !== null) {
    const bytes = v4.slice(1).map((b) => Number.parseInt(b, 10));
    if (bytes.some((b) => b > 255)) return undefined;
    return bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  }
  const groups = expandIpv6(address);
  return groups?.map((g) => g.toString(16).padStart(4, '0')).join('');
}

/** The eight 16-bit groups of an IPv6 address (with `::`, without zone or embedded IPv4), or undefined. */
export function expandIpv6(address: string): number[] | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(address) || !address.includes(':')) return undefined;
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined): number[] | undefined => {
    if (part === undefined || part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  if (head === undefined || tail === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}
