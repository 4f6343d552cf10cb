/** Hand-built DNS queries for the fast-path tests: every byte under the test's control. */

/** An EDNS OPT record for `query`: payload size, and the raw option TLVs (code, data). */
export interface OptSpec {
  readonly payload: number;
  readonly options?: readonly { readonly code: number; readonly data: Buffer }[];
  /** The TTL field (extended rcode, version, DO bit). */
  readonly ttl?: number;
}

/** What `query` builds; everything optional but the name. */
export interface QuerySpec {
  readonly name: string;
  readonly type?: number;
  readonly class?: number;
  readonly id?: number;
  readonly rd?: boolean;
  readonly opcode?: number;
  /** Flags byte 3 (RA, Z, AD, CD, rcode) as sent. */
  readonly flags3?: number;
  readonly opt?: OptSpec;
}

/** The wire form of a name: its labels as given (case kept), then the root. */
export function nameBytes(name: string): Buffer {
  const parts = name === '' ? [] : name.split('.');
  return Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'latin1')])),
    Buffer.from([0]),
  ]);
}

export function optBytes(opt: OptSpec): Buffer {
  const rdata = Buffer.concat(
    (opt.options ?? []).map((o) => {
      const head = Buffer.alloc(4);
      head.writeUInt16BE(o.code, 0);
      head.writeUInt16BE(o.data.length, 2);
      return Buffer.concat([head, o.data]);
    }),
  );
  const fixed = Buffer.alloc(11);
  fixed[0] = 0;
  fixed.writeUInt16BE(41, 1);
  fixed.writeUInt16BE(opt.payload, 3);
  fixed.writeUInt32BE(opt.ttl ?? 0, 5);
  fixed.writeUInt16BE(rdata.length, 9);
  return Buffer.concat([fixed, rdata]);
}

/** A query message. */
export function query(spec: QuerySpec): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(spec.id ?? 0x1234, 0);
  header[2] = ((spec.opcode ?? 0) << 3) | (spec.rd === false ? 0 : 1);
  header[3] = spec.flags3 ?? 0;
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(spec.opt === undefined ? 0 : 1, 10);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(spec.type ?? 1, 0);
  tail.writeUInt16BE(spec.class ?? 1, 2);
  return Buffer.concat([
    header,
    nameBytes(spec.name),
    tail,
    ...(spec.opt === undefined ? [] : [optBytes(spec.opt)]),
  ]);
}

/** `wire` with another id and the RD bit flipped (a runt of under 3 bytes is only copied). */
export function reId(wire: Buffer, id: number): Buffer {
  const out = Buffer.from(wire);
  if (out.length < 3) return out;
  out.writeUInt16BE(id, 0);
  out[2] = (out[2] ?? 0) ^ 1;
  return out;
}
