import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecords, encodeRecord } from '../../../src/physical/file-log.js';
import type { LogOp } from '../../../src/physical/file-log.js';

const first: LogOp[] = [
  { op: 'put', key: 'a/b', value: Buffer.from('one') },
  { op: 'delete', key: 'gone' },
  { op: 'put', key: 'caf\u00e9/emoji\u{1f600}', value: Buffer.alloc(0) },
];
const second: LogOp[] = [
  { op: 'put', key: 'bin', value: Buffer.from(Array.from({ length: 256 }, (_, i) => i)) },
];

describe('file storage log records', () => {
  it('round-trips batches of puts and deletes, keys and values byte for byte', () => {
    const log = Buffer.concat([encodeRecord(first), encodeRecord(second)]);
    assert.deepEqual(decodeRecords(log), [first, second]);
    assert.deepEqual(decodeRecords(Buffer.alloc(0)), []);
  });

  it('ignores a torn last record, wherever the tear is', () => {
    const whole = encodeRecord(first);
    const last = encodeRecord(second);
    for (let cut = 0; cut < last.length; cut++) {
      const log = Buffer.concat([whole, last.subarray(0, cut)]);
      assert.deepEqual(decodeRecords(log), [first], `cut at ${cut}`);
    }
  });

  it('stops at a record whose bytes changed (checksum), and at one that is not a record', () => {
    const last = encodeRecord(second);
    for (const at of [4, 9, 12, last.length - 1]) {
      const bad = Buffer.from(last);
      bad[at] = (bad[at] ?? 0) ^ 0x01;
      assert.deepEqual(decodeRecords(Buffer.concat([encodeRecord(first), bad])), [first], `byte ${at}`);
    }
    assert.deepEqual(decodeRecords(Buffer.concat([encodeRecord(first), Buffer.alloc(64)])), [first]);
  });
});
