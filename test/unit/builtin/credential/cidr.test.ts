import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  cidrsSubset,
  invalidCidrs,
  ipInCidrs,
  isValidCidrList,
  parseCidr,
  parseIp,
} from '../../../../src/helper/cidr.js';

describe('cidr helper', () => {
  it('parses IPv4 and IPv6 addresses, mapping ::ffff:a.b.c.d to IPv4', () => {
    assert.deepEqual(parseIp('10.1.2.3'), { family: 4, bytes: Uint8Array.from([10, 1, 2, 3]) });
    assert.deepEqual(parseIp('::ffff:127.0.0.1'), { family: 4, bytes: Uint8Array.from([127, 0, 0, 1]) });
    assert.deepEqual(parseIp('::ffff:7f00:1'), { family: 4, bytes: Uint8Array.from([127, 0, 0, 1]) });
    const v6 = parseIp('2001:db8::1');
    assert.equal(v6?.family, 6);
    assert.deepEqual([...v6.bytes], [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual([...(parseIp('::1')?.bytes ?? [])], [...new Array<number>(15).fill(0), 1]);
    assert.equal(parseIp('fe80::1%eth0')?.family, 6);
    for (const bad of ['', 'localhost', '10.0.0', '10.0.0.256', '1::2::3', '10.0.0.0/8'])
      assert.equal(parseIp(bad), undefined, bad);
  });

  it('parses CIDR blocks and bare addresses, and refuses bad prefixes', () => {
    assert.equal(parseCidr('10.0.0.0/8')?.prefix, 8);
    assert.equal(parseCidr('127.0.0.1')?.prefix, 32);
    assert.equal(parseCidr('::1')?.prefix, 128);
    assert.equal(parseCidr('::ffff:10.0.0.0/104')?.prefix, 8);
    assert.equal(parseCidr('::ffff:10.0.0.0/104')?.family, 4);
    for (const bad of [
      '10.0.0.0/33',
      '10.0.0.0/',
      '10.0.0.0/-1',
      '10.0.0.0/8/8',
      'x/8',
      '::/129',
      '::ffff:10.0.0.0/64',
    ]) {
      assert.equal(parseCidr(bad), undefined, bad);
    }
    assert.equal(isValidCidrList(['10.0.0.0/8', ' 192.168.1.0/24 ']), true);
    assert.deepEqual(invalidCidrs(['10.0.0.0/8', 'nope']), ['nope']);
  });

  it('matches addresses against blocks, IPv4-mapped clients included', () => {
    assert.equal(ipInCidrs('127.0.0.1', ['127.0.0.0/8']), true);
    assert.equal(ipInCidrs('::ffff:127.0.0.1', ['127.0.0.1/32']), true);
    assert.equal(ipInCidrs('127.0.0.1', ['::ffff:127.0.0.0/104']), true);
    assert.equal(ipInCidrs('127.0.0.1', ['10.0.0.0/8']), false);
    assert.equal(ipInCidrs('10.200.3.4', ['192.168.0.0/16', '10.0.0.0/8']), true);
    assert.equal(ipInCidrs('10.0.0.1', ['10.0.0.0/31']), true);
    assert.equal(ipInCidrs('10.0.0.2', ['10.0.0.0/31']), false);
    assert.equal(ipInCidrs('172.16.5.5', ['172.16.0.0/12']), true);
    assert.equal(ipInCidrs('172.32.0.1', ['172.16.0.0/12']), false);
    assert.equal(ipInCidrs('2001:db8::5', ['2001:db8::/32']), true);
    assert.equal(ipInCidrs('2001:db9::5', ['2001:db8::/32']), false);
    assert.equal(ipInCidrs('::1', ['127.0.0.0/8']), false, 'IPv6 loopback is not IPv4 loopback');
    assert.equal(ipInCidrs('anything', ['0.0.0.0/0']), false, 'an unparsable address matches nothing');
    assert.equal(ipInCidrs('1.2.3.4', ['0.0.0.0/0']), true);
    assert.equal(ipInCidrs('1.2.3.4', ['garbage', '1.2.3.4']), true, 'bad blocks are skipped');
    assert.equal(ipInCidrs('1.2.3.4', []), false);
  });

  it('checks that blocks lie inside others', () => {
    assert.equal(cidrsSubset(['10.1.0.0/16', '10.2.3.4'], ['10.0.0.0/8']), true);
    assert.equal(cidrsSubset(['10.0.0.0/7'], ['10.0.0.0/8']), false);
    assert.equal(cidrsSubset(['11.0.0.0/16'], ['10.0.0.0/8']), false);
    assert.equal(cidrsSubset(['10.0.0.0/8'], []), true, 'no outer blocks: anything goes');
    assert.equal(cidrsSubset([], ['10.0.0.0/8']), true);
    assert.equal(cidrsSubset(['bad'], ['10.0.0.0/8']), false);
  });
});
