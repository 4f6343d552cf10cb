/**
 * A minimal, bounds-checked DER reader: just enough ASN.1 to pull the fields the cert auth
 * method needs out of certificates and CRLs (node:crypto parses neither CRLs nor the raw fields).
 * Only definite lengths (DER) are accepted; anything malformed throws a DerError.
 */

/** Thrown for input that is not well-formed DER. */
export class DerError extends Error {
  constructor(message: string) {
    super(`malformed DER: ${message}`);
    this.name = 'DerError';
  }
}

/** Universal tags and context-specific tags the parsers use. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** One tag-length-value element. `raw` covers header and content; `content` the value only. */
export interface DerElement {
  readonly tag: number;
  readonly raw: Buffer;
  readonly content: Buffer;
}

/** Reads the element starting at `offset`; returns it and the offset just after it. */
export function readElement(buf: Buffer, offset: number): { element: DerElement; next: number } {
  if (offset + 2 > buf.length) throw new DerError('truncated header');
  const tag = buf[offset] ?? 0;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported');
  let lengthByte = buf[offset + 1] ?? 0;
  let pos = offset + 2;
  let length: number;
  if (lengthByte < 0x80) {
    length = lengthByte;
  } else {
    lengthByte &= 0x7f;
    if (lengthByte === 0) throw new DerError('indefinite length');
    if (lengthByte > 4) throw new DerError('length too large');
    if (pos + lengthByte > buf.length) throw new DerError('truncated length');
    length = 0;
    for (let i = 0; i < lengthByte; i++) length = length * 256 + (buf[pos + i] ?? 0);
    pos += lengthByte;
  }
  const end = pos + length;
  if (end > buf.length) throw new DerError('element runs past its container');
  return { element: { tag, raw: buf.subarray(offset, end), content: buf.subarray(pos, end) }, next: end };
}

/** Parses a buffer that must hold exactly one element. */
export function parseOne(buf: Buffer): DerElement {
  const { element, next } = readElement(buf, 0);
  if (next !== buf.length) throw new DerError('trailing data');
  return element;
}

/** The child elements of a constructed element (SEQUENCE, SET, explicit tags). */
export function children(el: DerElement): DerElement[] {
  if ((el.tag & 0x20) === 0) throw new DerError(`tag 0x${el.tag.toString(16)} is not constructed`);
  const out: DerElement[] = [];
  let pos = 0;
  while (pos < el.content.length) {
    const { element, next } = readElement(el.content, pos);
    out.push(element);
    pos = next;
  }
  return out;
}

/** Asserts the element's tag. */
export function expectTag(el: DerElement | undefined, tag: number, what: string): DerElement {
  if (el?.tag !== tag) throw new DerError(`expected ${what}`);
  return el;
}

/** Decodes an OBJECT IDENTIFIER to dotted form. */
export function decodeOid(el: DerElement): string {
  expectTag(el, TAG.OID, 'an OBJECT IDENTIFIER');
  const bytes = el.content;
  if (bytes.length === 0) throw new DerError('empty OID');
  const parts: bigint[] = [];
  let value = 0n;
  for (const byte of bytes) {
    value = (value << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0n;
    }
  }
  if (((bytes[bytes.length - 1] ?? 0) & 0x80) !== 0) throw new DerError('truncated OID');
  const first = parts[0] ?? 0n;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...parts.slice(1)].join('.');
}

/** Decodes a non-negative INTEGER (a serial number) to a bigint. */
export function decodeUnsigned(el: DerElement): bigint {
  expectTag(el, TAG.INTEGER, 'an INTEGER');
  if (el.content.length === 0) throw new DerError('empty INTEGER');
  // serials are positive by RFC 5280, but some CAs emit negative ones: read them as unsigned
  return BigInt(`0x${el.content.toString('hex')}`);
}

/** Decodes the string types found in names and extension values; undefined for other tags. */
export function decodeString(el: DerElement): string | undefined {
  switch (el.tag) {
    case TAG.UTF8_STRING:
      return el.content.toString('utf8');
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
      return el.content.toString('latin1');
    case TAG.T61_STRING:
      return el.content.toString('latin1');
    case TAG.BMP_STRING: {
      if (el.content.length % 2 !== 0) throw new DerError('odd BMPString length');
      const swapped = Buffer.from(el.content);
      swapped.swap16();
      return swapped.toString('utf16le');
    }
    case TAG.UNIVERSAL_STRING: {
      if (el.content.length % 4 !== 0) throw new DerError('bad UniversalString length');
      let out = '';
      for (let i = 0; i < el.content.length; i += 4) out += String.fromCodePoint(el.content.readUInt32BE(i));
      return out;
    }
    default:
      return undefined;
  }
}

/** Decodes UTCTime / GeneralizedTime (UTC, "Z" suffix, as RFC 5280 requires) to a Date. */
export function decodeTime(el: DerElement): Date {
  const text = el.content.toString('latin1');
  let m: RegExpExecArray | null;
  if (el.tag === TAG.UTC_TIME) {
    m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    if (m === null) throw new DerError('bad UTCTime');
    const yy = Number(m[1]);
    return utc(yy >= 50 ? 1900 + yy : 2000 + yy, m.slice(2));
  }
  if (el.tag === TAG.GENERALIZED_TIME) {
    m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text);
    if (m === null) throw new DerError('bad GeneralizedTime');
    return utc(Number(m[1]), m.slice(2));
  }
  throw new DerError('expected a time');
}

function utc(year: number, rest: readonly (string | undefined)[]): Date {
  const [mo, d, h, mi, s] = rest.map((v) => Number(v ?? '0'));
  return new Date(Date.UTC(year, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0));
}
