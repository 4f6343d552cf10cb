/** DNS wire constants and the records the resolver answers with, as plain data (no dns2 types). */

/** Query and record types the resolver knows (RFC 1035, 3596, 2782, 6891). */
export const QTYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  MAILB: 253,
  MAILA: 254,
  ANY: 255,
} as const;

/** Classes: IN and the ANY wildcard. */
export const QCLASS = { IN: 1, ANY: 255 } as const;

/** Response codes (RFC 1035 §4.1.1). */
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
} as const;

export type RcodeName = keyof typeof RCODE;

/** The question of a query. `name` is as asked (case kept), without a trailing dot. */
export interface Question {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

/** A record of an answer; `name` is the owner name without a trailing dot. */
export type DnsRecord =
  | { readonly name: string; readonly type: 'A' | 'AAAA'; readonly ttl: number; readonly address: string }
  | { readonly name: string; readonly type: 'CNAME'; readonly ttl: number; readonly target: string }
  | {
      readonly name: string;
      readonly type: 'SRV';
      readonly ttl: number;
      readonly priority: number;
      readonly weight: number;
      readonly port: number;
      readonly target: string;
    }
  | {
      readonly name: string;
      readonly type: 'SOA';
      readonly ttl: number;
      readonly primary: string;
      readonly admin: string;
      readonly serial: number;
      readonly refresh: number;
      readonly retry: number;
      readonly expire: number;
      readonly minimum: number;
    };

/** The name of a query type for metrics and logs ("A", "SRV", "TYPE65"). */
export function qtypeName(type: number): string {
  return QTYPE_NAMES.get(type) ?? `TYPE${type}`;
}

/** The name of a response code ("NXDOMAIN", "RCODE9"). */
export function rcodeName(rcode: number): string {
  return RCODE_NAMES.get(rcode) ?? `RCODE${rcode}`;
}

const QTYPE_NAMES = new Map<number, string>(Object.entries(QTYPE).map(([name, value]) => [value, name]));
const RCODE_NAMES = new Map<number, string>(Object.entries(RCODE).map(([name, value]) => [value, name]));
