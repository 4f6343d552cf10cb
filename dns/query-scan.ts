/**
 * The fast-path reader of a query: the header, the question and a plain EDNS OPT record read
 * straight off the wire, without dns2's bit-by-bit decoder and without allocating. It accepts only
 * the common shape, where dns2's parser is certain to see exactly the same thing:
 *
 * - a query (QR 0) with opcode 0, one question and no answer or authority records;
 * - a question name of plain labels (1..63 octets, no compression pointer, at most 255 octets in
 *   all) followed by its type and class;
 * - either nothing after the question, or one OPT record: root owner name, type 41, and RDATA
 *   that is empty or one option other than ECS (dig's COOKIE), ending exactly at the message's end.
 *
 * Anything else (malformed or merely unusual) is left to the slow path, dns2's parser and the
 * error handling around it. The reader fills a caller-owned ScannedQuery, so nothing is allocated.
 */
import { MAX_QUERY_BYTES, MAX_UDP_PAYLOAD, MIN_UDP_PAYLOAD } from './packet.js';
import { QTYPE } from './records.js';

/** EDNS option code of Client Subnet, which dns2 decodes (and may reject) rather than skip. */
const EDNS_ECS = 8;

/** What the scan found; reused from query to query. Offsets are into the scanned message. */
export class ScannedQuery {
  /** Offset of the end of the question (its name, type and class start at 12). */
  questionEnd = 0;
  type = 0;
  class = 0;
  /** Whether the query has an OPT record. */
  edns = false;
  /** The UDP size the client accepts: its EDNS payload size within [512, 1232], else 512. */
  udpLimit = MIN_UDP_PAYLOAD;
}

/** Reads `data` into `out`; false when the message is not of the common shape (use the slow path). */
export function scanQuery(data: Buffer, out: ScannedQuery): boolean {
  const length = data.length;
  if (length < 17 || length > MAX_QUERY_BYTES) return false;
  // QR 0 and opcode 0 (byte 2 bits 7..3); one question, no answers, no authority, ≤ 1 additional.
  if ((data[2] ?? 0xff) & 0xf8) return false;
  if (data[4] !== 0 || data[5] !== 1 || data[6] !== 0 || data[7] !== 0 || data[8] !== 0 || data[9] !== 0)
    return false;
  if (data[10] !== 0) return false;
  const additional = data[11] ?? 0;
  if (additional > 1) return false;

  let at = 12;
  let octets = 1;
  for (;;) {
    const label = data[at];
    if (label === undefined || label > 63) return false;
    at++;
    if (label === 0) break;
    octets += label + 1;
    if (octets > 255) return false;
    at += label;
  }
  if (at + 4 > length) return false;
  out.type = data.readUInt16BE(at);
  out.class = data.readUInt16BE(at + 2);
  at += 4;
  out.questionEnd = at;

  if (additional === 0) {
    if (at !== length) return false;
    out.edns = false;
    out.udpLimit = MIN_UDP_PAYLOAD;
    return true;
  }
  // OPT: root name (1), type (2), payload size (2), extended rcode/version/flags (4), RDLENGTH (2).
  if (at + 11 > length || data[at] !== 0 || data.readUInt16BE(at + 1) !== QTYPE.OPT) return false;
  const payload = data.readUInt16BE(at + 3);
  const rdlength = data.readUInt16BE(at + 9);
  const rdata = at + 11;
  if (rdata + rdlength !== length) return false;
  if (rdlength !== 0) {
    if (rdlength < 4) return false;
    if (data.readUInt16BE(rdata) === EDNS_ECS || 4 + data.readUInt16BE(rdata + 2) !== rdlength) return false;
  }
  out.edns = true;
  out.udpLimit = Math.min(MAX_UDP_PAYLOAD, Math.max(MIN_UDP_PAYLOAD, payload));
  return true;
}
