import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dns2 from 'dns2';
import { ScannedQuery, scanQuery } from '../../../dns/query-scan.js';
import { nameBytes, query } from './wire-query.js';

const COOKIE = { code: 10, data: Buffer.from('0123456789abcdef', 'hex') };

describe('dns query scan (fast-path parser)', () => {
  it('reads what dns2 reads from queries of the common shape', () => {
    const cases = [
      query({ name: 'active.vault.consul' }),
      query({ name: 'AcTiVe.VaUlT.CoNsUl', type: 28 }),
      query({ name: '_vault._tcp.service.consul', type: 33, rd: false }),
      query({ name: 'consul', type: 255, class: 255 }),
      query({ name: '', type: 2 }),
      query({ name: 'active.vault.consul', opt: { payload: 4096 } }),
      query({ name: 'active.vault.consul', opt: { payload: 100, options: [COOKIE], ttl: 0x8000 } }),
      query({ name: 'x.consul', opt: { payload: 1232, ttl: 0x01010000 } }),
    ];
    for (const wire of cases) {
      const scan = new ScannedQuery();
      assert.equal(scanQuery(wire, scan), true, wire.toString('hex'));
      const parsed = dns2.Packet.parse(wire);
      const q = parsed.questions[0];
      assert.ok(q !== undefined);
      assert.equal(scan.type, q.type);
      assert.equal(scan.class, q.class);
      assert.equal(scan.questionEnd, 12 + nameBytes(q.name).length + 4);
      const opt = parsed.additionals.find((r) => r.type === 41);
      assert.equal(scan.edns, opt !== undefined);
      assert.equal(scan.udpLimit, opt === undefined ? 512 : Math.min(1232, Math.max(512, opt.class)));
    }
  });

  it('leaves every other shape to the slow path', () => {
    const base = query({ name: 'active.vault.consul' });
    const scan = new ScannedQuery();
    const rejects = (wire: Buffer, why: string): void => {
      assert.equal(scanQuery(wire, scan), false, why);
    };
    const edit = (at: number, value: number): Buffer => {
      const out = Buffer.from(base);
      out[at] = value;
      return out;
    };
    rejects(edit(2, 0x80 | 1), 'a response');
    rejects(edit(2, (1 << 3) | 1), 'opcode IQUERY');
    rejects(edit(5, 2), 'two questions');
    rejects(edit(5, 0), 'no question');
    rejects(edit(7, 1), 'an answer record');
    rejects(edit(9, 1), 'an authority record');
    rejects(edit(11, 2), 'two additional records');
    rejects(Buffer.concat([base, Buffer.from([0])]), 'trailing bytes');
    rejects(base.subarray(0, base.length - 1), 'cut in the type/class');
    rejects(base.subarray(0, 16), 'cut in the name');
    rejects(Buffer.alloc(12), 'header only');
    const pointer = Buffer.concat([
      base.subarray(0, 12),
      Buffer.from([6, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0xc0, 12, 0, 1, 0, 1]),
    ]);
    rejects(pointer, 'a compression pointer in the question');
    const label64 = Buffer.concat([
      base.subarray(0, 12),
      Buffer.from([64]),
      Buffer.alloc(64, 0x61),
      Buffer.from([0, 0, 1, 0, 1]),
    ]);
    rejects(label64, 'a label of 64 octets');
    const farPointer = Buffer.concat([
      base.subarray(0, 12),
      Buffer.from([0xc0, 12]),
      Buffer.alloc(190, 1),
      Buffer.from([0, 0, 1, 0, 1]),
    ]);
    rejects(farPointer, 'a pointer whose value would be read as a long label');
    const long = query({ name: Array.from({ length: 5 }, () => 'a'.repeat(63)).join('.') });
    rejects(long, 'a name over 255 octets');
    const ecs = query({
      name: 'x.consul',
      opt: { payload: 4096, options: [{ code: 8, data: Buffer.from([0, 1, 24, 0, 10, 0, 0]) }] },
    });
    rejects(ecs, 'an ECS option (dns2 decodes it)');
    const two = query({ name: 'x.consul', opt: { payload: 4096, options: [COOKIE, COOKIE] } });
    rejects(two, 'two options');
    const badLength = query({ name: 'x.consul', opt: { payload: 4096, options: [COOKIE] } });
    badLength.writeUInt16BE(20, badLength.length - COOKIE.data.length - 2);
    rejects(badLength, 'an option length past the RDATA');
    const notOpt = query({ name: 'x.consul', opt: { payload: 4096 } });
    notOpt.writeUInt16BE(1, notOpt.length - 10);
    rejects(notOpt, 'an additional record that is not OPT');
    const named = Buffer.concat([
      query({ name: 'x.consul' }),
      Buffer.from([1, 0x61, 0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0]),
    ]);
    named[11] = 1;
    rejects(named, 'an OPT record with an owner name');
  });
});
