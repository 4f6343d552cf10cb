import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dns2 from 'dns2';
import { answerResponse, checkQuery, encodeWithin, formerrFor, udpLimit } from '../../../dns/packet.js';
import type { DnsRecord } from '../../../dns/records.js';

const { Packet } = dns2;

function query(name: string, type = 1, edns?: number): dns2.Packet {
  const q = new Packet();
  q.header.id = 4242;
  q.header.rd = 1;
  q.questions.push({ name, type, class: 1 } as dns2.Packet.Question);
  if (edns !== undefined)
    q.additionals.push(
      Object.assign(new Packet.Resource({ name: '', type: 41, class: edns, ttl: 0 }), { rdata: [] }),
    );
  return q;
}

describe('dns packet', () => {
  it('passes a real query to the parser and refuses impossible headers before parsing', () => {
    const wire = query('active.vault.consul').toBuffer();
    assert.equal(checkQuery(wire), 'parse');
    const crafted = Buffer.from(wire);
    crafted.writeUInt16BE(0xffff, 6);
    assert.equal(checkQuery(crafted), 'formerr');
    assert.equal(checkQuery(Buffer.alloc(12, 0xff)), 'drop', 'a response (QR set) is dropped');
    assert.equal(checkQuery(Buffer.alloc(11)), 'drop');
    const noQuestion = Buffer.alloc(12);
    assert.equal(checkQuery(noQuestion), 'formerr');
    assert.equal(checkQuery(Buffer.concat([wire, Buffer.alloc(5000)])), 'formerr');
  });

  it('answers FORMERR with the id and opcode of the message', () => {
    const wire = query('x.consul').toBuffer();
    const out = Packet.parse(formerrFor(wire));
    assert.equal(out.header.id, 4242);
    assert.equal(out.header.qr, 1);
    assert.equal(out.header.rcode, 1);
  });

  it('truncates over UDP with TC and the question only, and trims over TCP', () => {
    const request = query('many.service.consul', 1, 4096);
    const answers: DnsRecord[] = [];
    for (let i = 0; i < 200; i++)
      answers.push({ name: 'many.service.consul', type: 'A', ttl: 5, address: `10.0.${i >> 8}.${i & 255}` });
    const response = answerResponse(request, 'NOERROR', { answers, authority: [], additional: [] }, false);
    assert.equal(udpLimit(request), 1232);
    assert.equal(udpLimit(query('x.consul')), 512);
    const udp = encodeWithin(response, 512, true);
    assert.equal(udp.truncated, true);
    assert.ok(udp.wire.length <= 512);
    const parsed = Packet.parse(udp.wire);
    assert.equal(parsed.header.tc, 1);
    assert.equal(parsed.answers.length, 0);
    assert.equal(parsed.questions[0]?.name, 'many.service.consul');
    const whole = encodeWithin(response, 65_535, false);
    assert.equal(whole.truncated, false);
    assert.equal(Packet.parse(whole.wire).answers.length, 200);
    const tcp = encodeWithin(response, 1000, false);
    assert.ok(tcp.wire.length <= 1000);
    assert.ok(Packet.parse(tcp.wire).answers.length > 0);
  });

  it('adds an OPT record to the answer of an EDNS query only', () => {
    const withEdns = answerResponse(
      query('a.consul', 1, 1232),
      'NOERROR',
      { answers: [], authority: [], additional: [] },
      true,
    );
    assert.equal(Packet.parse(withEdns.toBuffer()).additionals.filter((r) => r.type === 41).length, 1);
    const without = answerResponse(
      query('a.consul'),
      'NOERROR',
      { answers: [], authority: [], additional: [] },
      true,
    );
    assert.equal(Packet.parse(without.toBuffer()).additionals.length, 0);
  });
});
