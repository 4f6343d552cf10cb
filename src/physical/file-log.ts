import { crc32 } from 'node:zlib';

/**
 * The record format of file storage's write-ahead log. A log file is a sequence of records; one
 * record is one group commit (the operations of every writer of one batch, in call order), so it
 * is applied whole or not at all:
 *   u32 magic "TRW1" | u32 payload length | u32 CRC-32 of (length, payload) | payload
 *   payload: operations, each u8 kind (1 put, 2 delete) | u32 key length | key (UTF-8)
 *            and for a put: u32 value length | value
 * All integers big-endian. Reading stops at the first record that is incomplete, has another
 * magic or a wrong checksum: that is the torn tail a crash during a write leaves, and its writers
 * were never acknowledged (a record is acknowledged only after it has been fsynced).
 */

/** One logged operation: the value of a put is the whole new value. */
export type LogOp =
  | { readonly op: 'put'; readonly key: string; readonly value: Buffer }
  | { readonly op: 'delete'; readonly key: string };

const MAGIC = 0x54525731; // "TRW1"
const HEADER = 12;
const PUT = 1;
const DELETE = 2;

/** Encodes one batch of operations as one record. */
export function encodeRecord(ops: readonly LogOp[]): Buffer {
  const keys = ops.map((op) => Buffer.from(op.key, 'utf8'));
  let size = HEADER;
  ops.forEach((op, i) => {
    size += 5 + (keys[i]?.length ?? 0) + (op.op === 'put' ? 4 + op.value.length : 0);
  });
  const out = Buffer.allocUnsafe(size);
  let at = HEADER;
  ops.forEach((op, i) => {
    const key = keys[i] ?? Buffer.alloc(0);
    at = out.writeUInt8(op.op === 'put' ? PUT : DELETE, at);
    at = out.writeUInt32BE(key.length, at);
    at += key.copy(out, at);
    if (op.op === 'put') {
      at = out.writeUInt32BE(op.value.length, at);
      at += op.value.copy(out, at);
    }
  });
  out.writeUInt32BE(MAGIC, 0);
  out.writeUInt32BE(size - HEADER, 4);
  out.writeUInt32BE(crc32(out.subarray(HEADER), crc32(out.subarray(4, 8))), 8);
  return out;
}

/** The records of a log file's contents, in order, up to (not including) a torn or corrupt tail. */
export function decodeRecords(data: Buffer): LogOp[][] {
  const records: LogOp[][] = [];
  for (let at = 0; at + HEADER <= data.length;) {
    if (data.readUInt32BE(at) !== MAGIC) break;
    const length = data.readUInt32BE(at + 4);
    const end = at + HEADER + length;
    if (end > data.length) break;
    const payload = data.subarray(at + HEADER, end);
    if (crc32(payload, crc32(data.subarray(at + 4, at + 8))) !== data.readUInt32BE(at + 8)) break;
    const ops = decodePayload(payload);
    if (ops === undefined) break;
    records.push(ops);
    at = end;
  }
  return records;
}

function decodePayload(payload: Buffer): LogOp[] | undefined {
  const ops: LogOp[] = [];
  let at = 0;
  const take = (): Buffer | undefined => {
    if (at + 4 > payload.length) return undefined;
    const length = payload.readUInt32BE(at);
    if (at + 4 + length > payload.length) return undefined;
    at += 4 + length;
    return payload.subarray(at - length, at);
  };
  while (at < payload.length) {
    const kind = payload.readUInt8(at++);
    const key = take()?.toString('utf8');
    if (key === undefined || (kind !== PUT && kind !== DELETE)) return undefined;
    if (kind === DELETE) ops.push({ op: 'delete', key });
    else {
      const value = take();
      if (value === undefined) return undefined;
      ops.push({ op: 'put', key, value: Buffer.from(value) });
    }
  }
  return ops;
}
