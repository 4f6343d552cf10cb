/**
 * The wire side of the resolver, on dns2's codec: a cheap check of a query's header before dns2
 * parses it, encoding a Resolution into a response, and fitting a response into the transport's
 * size (TC bit for UDP).
 *
 * Why the check: dns2's Packet.parse trusts the header's section counts and tries to decode each
 * record, so a 12-byte header claiming 65535 records in each section keeps the event loop busy for
 * about two seconds (measured) per packet. A query has one question and at most a handful of
 * records, so counts that cannot fit the bytes received, or messages over MAX_QUERY_BYTES, are
 * refused before parsing.
 */
import dns2 from 'dns2';
import type { DnsRecord } from './records.js';
import { QTYPE, RCODE, type RcodeName } from './records.js';

const { Packet } = dns2;
type Packet = dns2.Packet;
type Resource = dns2.Packet.Resource;

/** Largest query accepted; real queries are well under 512 bytes. */
export const MAX_QUERY_BYTES = 4096;
/** The UDP payload size tresor offers and honours at most (DNS flag day 2020). */
export const MAX_UDP_PAYLOAD = 1232;
/** The classic UDP limit without EDNS. */
export const MIN_UDP_PAYLOAD = 512;
/** The largest message TCP framing can carry. */
export const MAX_TCP_MESSAGE = 65_535;

/** Whether a received message is a query worth parsing, or what to do with it instead. */
export type QueryCheck = 'parse' | 'formerr' | 'drop';

/**
 * Checks the header of a received message without parsing it. Responses and runts are dropped
 * (answering them invites loops and reflection); queries whose counts cannot be right get FORMERR.
 */
export function checkQuery(data: Buffer): QueryCheck {
  if (data.length < 12) return 'drop';
  if ((data[2] ?? 0) & 0x80) return 'drop';
  if (data.length > MAX_QUERY_BYTES) return 'formerr';
  const qd = data.readUInt16BE(4);
  const records = data.readUInt16BE(6) + data.readUInt16BE(8) + data.readUInt16BE(10);
  // Smallest question: root name (1) + type + class = 5 bytes; smallest record: 11 bytes.
  if (qd !== 1 || 5 + records * 11 > data.length - 12) return 'formerr';
  return 'parse';
}

/** A bare FORMERR answer to a message with a readable header: same id and opcode, no sections. */
export function formerrFor(data: Buffer): Buffer {
  const out = Buffer.alloc(12);
  data.copy(out, 0, 0, 2);
  out[2] = 0x80 | ((data[2] ?? 0) & 0x79); // QR, opcode, RD
  out[3] = RCODE.FORMERR;
  return out;
}

/** A response to `request` with only a response code (SERVFAIL, REFUSED, NOTIMP, FORMERR). */
export function errorResponse(request: Packet, rcode: RcodeName, recursionAvailable: boolean): Packet {
  const response = Packet.createResponseFromRequest(request);
  response.header.rcode = RCODE[rcode];
  response.header.ra = recursionAvailable ? 1 : 0;
  addOpt(request, response);
  return response;
}

/** The response carrying a resolved answer: authoritative, with EDNS when the query had it. */
export function answerResponse(
  request: Packet,
  rcode: RcodeName,
  sections: {
    answers: readonly DnsRecord[];
    authority: readonly DnsRecord[];
    additional: readonly DnsRecord[];
  },
  recursionAvailable: boolean,
): Packet {
  const response = Packet.createResponseFromRequest(request);
  response.header.rcode = RCODE[rcode];
  response.header.aa = 1;
  response.header.ra = recursionAvailable ? 1 : 0;
  response.answers = sections.answers.map(toResource);
  response.authorities = sections.authority.map(toResource);
  response.additionals = sections.additional.map(toResource);
  addOpt(request, response);
  return response;
}

/** The UDP size the client accepts: its EDNS payload size within [512, 1232], else 512. */
export function udpLimit(request: Packet): number {
  const opt = optOf(request);
  if (opt === undefined) return MIN_UDP_PAYLOAD;
  return Math.min(MAX_UDP_PAYLOAD, Math.max(MIN_UDP_PAYLOAD, opt.class));
}

/**
 * Encodes `response` within `limit` bytes. Over UDP (`truncate`), an answer that does not fit
 * becomes a TC=1 response with the question only, so the client retries over TCP. Over TCP, the
 * records beyond what fits are dropped.
 */
export function encodeWithin(
  response: Packet,
  limit: number,
  truncate: boolean,
): { wire: Buffer; truncated: boolean } {
  let wire = response.toBuffer();
  if (wire.length <= limit) return { wire, truncated: false };
  if (truncate) {
    const tc = Packet.createResponseFromRequest(response);
    tc.header = new Packet.Header(response.header);
    tc.header.tc = 1;
    tc.questions = response.questions.slice();
    tc.additionals = response.additionals.filter((r) => r.type === QTYPE.OPT);
    return { wire: tc.toBuffer(), truncated: true };
  }
  const trimmed = Packet.createResponseFromRequest(response);
  trimmed.header = new Packet.Header(response.header);
  trimmed.questions = response.questions.slice();
  trimmed.authorities = [];
  trimmed.additionals = response.additionals.filter((r) => r.type === QTYPE.OPT);
  let keep = response.answers.length;
  do {
    keep = Math.floor((keep * limit) / Math.max(wire.length, limit + 1));
    trimmed.answers = response.answers.slice(0, keep);
    wire = trimmed.toBuffer();
  } while (wire.length > limit && keep > 0);
  return { wire, truncated: true };
}

/** Whether the query carries EDNS (an OPT record). */
export function hasEdns(request: Packet): boolean {
  return optOf(request) !== undefined;
}

/** The query's OPT record, if any. */
function optOf(request: Packet): Resource | undefined {
  return request.additionals.find((r) => r.type === QTYPE.OPT);
}

/** Adds an OPT record (our payload size, no options) when the query carried one (RFC 6891 §7). */
function addOpt(request: Packet, response: Packet): void {
  if (optOf(request) === undefined) return;
  response.additionals.push(
    Object.assign(new Packet.Resource({ name: '', type: QTYPE.OPT, class: MAX_UDP_PAYLOAD, ttl: 0 }), {
      rdata: [],
    }),
  );
}

function toResource(record: DnsRecord): Resource {
  const base = { name: record.name, class: 1, ttl: record.ttl };
  switch (record.type) {
    case 'A':
      return new Packet.Resource({ ...base, type: QTYPE.A, address: record.address });
    case 'AAAA':
      return new Packet.Resource({ ...base, type: QTYPE.AAAA, address: record.address });
    case 'CNAME':
      return new Packet.Resource({ ...base, type: QTYPE.CNAME, domain: record.target });
    case 'SRV':
      return new Packet.Resource({
        ...base,
        type: QTYPE.SRV,
        priority: record.priority,
        weight: record.weight,
        port: record.port,
        target: record.target,
      });
    case 'SOA':
      return new Packet.Resource({
        ...base,
        type: QTYPE.SOA,
        primary: record.primary,
        admin: record.admin,
        serial: record.serial,
        refresh: record.refresh,
        retry: record.retry,
        expiration: record.expire,
        minimum: record.minimum,
      });
  }
}
