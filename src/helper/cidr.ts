import { isIP } from 'node:net';

/**
 * IP addresses and CIDR blocks as bytes, for source-address checks (bound CIDRs of tokens, AppRole
 * secret IDs, App-ID user mappings). IPv4 and IPv6 are both handled; an IPv4-mapped IPv6 address
 * (`::ffff:127.0.0.1`, which a dual-stack socket reports for IPv4 clients) is treated as the IPv4
 * address it carries, in addresses and in blocks alike. A bare address is a block of one address
 * (/32 or /128), as Vault accepts in `token_bound_cidrs`.
 */
export interface CidrBlock {
  readonly family: 4 | 6;
  /** Network bytes (4 or 16), host bits as written. */
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function parseIpv4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map((part) => Number.parseInt(part, 10)));
}

/** Expands an IPv6 text (validated by `isIP` first) into 16 bytes. */
function parseIpv6(text: string): Uint8Array {
  let body = text;
  const lastColon = body.lastIndexOf(':');
  const last = body.slice(lastColon + 1);
  if (last.includes('.')) {
    // an embedded IPv4 tail ("::ffff:127.0.0.1") becomes two hex groups
    const v4 = parseIpv4(last);
    const hi = (((v4[0] ?? 0) << 8) | (v4[1] ?? 0)).toString(16);
    const lo = (((v4[2] ?? 0) << 8) | (v4[3] ?? 0)).toString(16);
    body = `${body.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const groups = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16));
  const halves = body.split('::');
  const head = groups(halves[0] ?? '');
  const rear = halves.length > 1 ? groups(halves[1] ?? '') : [];
  const zeros = halves.length > 1 ? new Array<number>(8 - head.length - rear.length).fill(0) : [];
  const words = [...head, ...zeros, ...rear];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[i * 2] = (w >> 8) & 0xff;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

function isMapped(bytes: Uint8Array): boolean {
  return bytes.length === 16 && MAPPED_PREFIX.every((b, i) => bytes[i] === b);
}

/** Parses an IPv4 or IPv6 address (zone ids such as `%eth0` are ignored); undefined when invalid. */
export function parseIp(text: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  const address = text.trim().replace(/%.*$/, '');
  const family = isIP(address);
  if (family === 4) return { family: 4, bytes: parseIpv4(address) };
  if (family !== 6) return undefined;
  const bytes = parseIpv6(address);
  if (isMapped(bytes)) return { family: 4, bytes: bytes.slice(12) };
  return { family: 6, bytes };
}

/** Parses "10.0.0.0/8", "2001:db8::/32" or a bare address; undefined when invalid. */
export function parseCidr(text: string): CidrBlock | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const ip = parseIp(slash === -1 ? trimmed : trimmed.slice(0, slash));
  if (ip === undefined) return undefined;
  const bits = ip.family === 4 ? 32 : 128;
  if (slash === -1) return { ...ip, prefix: bits };
  const prefixText = trimmed.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  let prefix = Number.parseInt(prefixText, 10);
  // a block written in IPv4-mapped form ("::ffff:10.0.0.0/104") counts its prefix over 128 bits
  if (ip.family === 4 && isIP(trimmed.slice(0, slash).replace(/%.*$/, '')) === 6) {
    if (prefix < 96) return undefined;
    prefix -= 96;
  }
  if (prefix > bits) return undefined;
  return { ...ip, prefix };
}

/** Whether every entry parses as an address or CIDR block. */
export function isValidCidrList(list: readonly string[]): boolean {
  return list.every((c) => parseCidr(c) !== undefined);
}

/** The entries that do not parse, for error messages. */
export function invalidCidrs(list: readonly string[]): string[] {
  return list.filter((c) => parseCidr(c) === undefined);
}

function samePrefix(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  const full = Math.floor(prefix / 8);
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = prefix % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[full] ?? 0) & mask) === ((b[full] ?? 0) & mask);
}

/** Whether `address` lies inside `block`. */
export function blockContains(block: CidrBlock, address: { family: 4 | 6; bytes: Uint8Array }): boolean {
  return block.family === address.family && samePrefix(block.bytes, address.bytes, block.prefix);
}

/**
 * Whether an address lies inside any of the CIDR blocks. An unparsable address matches nothing;
 * unparsable blocks are skipped (they are validated when written).
 */
export function ipInCidrs(address: string, cidrs: readonly string[]): boolean {
  const ip = parseIp(address);
  if (ip === undefined) return false;
  return cidrs.some((c) => {
    const block = parseCidr(c);
    return block !== undefined && blockContains(block, ip);
  });
}

/** Whether block `inner` lies entirely inside block `outer`. */
export function cidrWithin(inner: CidrBlock, outer: CidrBlock): boolean {
  return (
    inner.family === outer.family &&
    inner.prefix >= outer.prefix &&
    samePrefix(inner.bytes, outer.bytes, outer.prefix)
  );
}

/**
 * Whether every block of `inner` lies inside some block of `outer` (an empty `outer` allows
 * anything). Unparsable entries make the answer false.
 */
export function cidrsSubset(inner: readonly string[], outer: readonly string[]): boolean {
  if (outer.length === 0) return true;
  const outerBlocks = outer.map(parseCidr);
  if (outerBlocks.some((b) => b === undefined)) return false;
  return inner.every((c) => {
    const block = parseCidr(c);
    return block !== undefined && outerBlocks.some((o) => o !== undefined && cidrWithin(block, o));
  });
}
