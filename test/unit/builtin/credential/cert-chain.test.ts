import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseCertificate,
  parsePemCertificates,
  EKU_CLIENT_AUTH,
} from '../../../../src/builtin/credential/cert/certificate-info.js';
import { extensionString, glob } from '../../../../src/builtin/credential/cert/constraints.js';
import { crlBytes, parseCrl } from '../../../../src/builtin/credential/cert/crl.js';
import { DerError, parseOne } from '../../../../src/builtin/credential/cert/der.js';
import { isRevoked, verifyChains } from '../../../../src/builtin/credential/cert/verify-chain.js';
import { TestPki } from '../../../helpers/openssl-pki.js';
import type { Ca, Issued } from '../../../helpers/openssl-pki.js';

const DAY = 86_400_000;

describe('glob (Vault go-glob semantics)', () => {
  const cases: [string, string, boolean][] = [
    ['', '', true],
    ['', 'a', false],
    ['*', '', true],
    ['*', 'anything', true],
    ['app', 'app', true],
    ['app', 'apps', false],
    ['app.*', 'app.tresor.test', true],
    ['app.*', 'web.app.test', false],
    ['*.test', 'app.tresor.test', true],
    ['*.test', 'app.tresor.tester', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXcYYb', false],
    ['*mid*', 'has-mid-dle', true],
    ['pay*', 'payments', true],
    ['?', 'x', false],
  ];
  for (const [pattern, subject, expected] of cases) {
    it(`"${pattern}" ${expected ? 'matches' : 'does not match'} "${subject}"`, () => {
      assert.equal(glob(pattern, subject), expected);
    });
  }
});

describe('DER reader', () => {
  it('refuses truncated, indefinite-length and trailing input', () => {
    assert.throws(() => parseOne(Buffer.from([0x30, 0x05, 0x01])), DerError);
    assert.throws(() => parseOne(Buffer.from([0x30, 0x80, 0x00, 0x00])), DerError);
    assert.throws(() => parseOne(Buffer.from([0x05, 0x00, 0x00])), DerError);
    assert.throws(() => parseOne(Buffer.from([0x30])), DerError);
  });

  it('reads a string extension value and tolerates non-strings', () => {
    assert.equal(extensionString(Buffer.from([0x0c, 0x02, 0x68, 0x69])), 'hi');
    assert.equal(extensionString(Buffer.from([0x02, 0x01, 0x05])), '');
    assert.equal(extensionString(Buffer.from([0xff])), '');
  });
});

describe('certificates, chains and CRLs (openssl-made)', () => {
  let pki: TestPki;
  let root: Ca;
  let inter: Ca;
  let leaf: Issued;

  before(async () => {
    pki = await TestPki.create();
    root = await pki.createCa('u-root');
    inter = await pki.createCa('u-inter', root);
    leaf = await pki.issue(inter, 'u-leaf', {
      cn: 'svc.tresor.test',
      ous: ['eng', 'ops'],
      dns: ['svc.tresor.test', 'alt.tresor.test'],
      emails: ['svc@tresor.test'],
      uris: ['spiffe://tresor/svc'],
      extraExtensions: ['1.2.3.4.5=ASN1:UTF8String:team-blue'],
    });
  });
  after(async () => {
    await pki.cleanup();
  });

  it('parses the fields the constraints use', () => {
    const c = parseCertificate(leaf.der);
    assert.equal(c.commonName, 'svc.tresor.test');
    assert.deepEqual(c.organizationalUnits, ['eng', 'ops']);
    assert.deepEqual(c.dnsNames, ['svc.tresor.test', 'alt.tresor.test']);
    assert.deepEqual(c.emailAddresses, ['svc@tresor.test']);
    assert.deepEqual(c.uris, ['spiffe://tresor/svc']);
    assert.deepEqual(c.extKeyUsage, [EKU_CLIENT_AUTH]);
    assert.equal(c.isCa, false);
    assert.equal(c.serial.toString(16).toUpperCase(), c.x509.serialNumber.replace(/^0+/, ''));
    assert.equal(c.subjectKeyId.length, 20);
    assert.ok(c.authorityKeyId.equals(parseCertificate(inter.der).subjectKeyId));
    assert.equal(extensionString(c.extensions.get('1.2.3.4.5') ?? Buffer.alloc(0)), 'team-blue');
    const i = parseCertificate(inter.der);
    assert.equal(i.isCa, true);
    assert.equal(i.maxPathLen, 0);
    assert.ok(c.notBefore.getTime() < Date.now() && Date.now() < c.notAfter.getTime());
  });

  it('reads every certificate of a PEM bundle and skips junk', () => {
    const certs = parsePemCertificates(
      `junk\n${inter.certPem}\n-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n${root.certPem}`,
    );
    assert.deepEqual(
      certs.map((c) => c.commonName),
      ['u-inter', 'u-root'],
    );
    assert.deepEqual(parsePemCertificates('not a certificate'), []);
  });

  it('builds leaf → intermediate → root, and nothing without the intermediate', () => {
    const l = parseCertificate(leaf.der);
    const i = parseCertificate(inter.der);
    const r = parseCertificate(root.der);
    const ok = verifyChains(l, [i], [r], new Date());
    assert.deepEqual(
      ok.chains.map((c) => c.map((x) => x.commonName)),
      [['svc.tresor.test', 'u-inter', 'u-root']],
    );
    assert.equal(verifyChains(l, [], [r], new Date()).chains.length, 0);
    assert.equal(verifyChains(l, [], [i], new Date()).chains.length, 1);
    // a CA is only trusted inside its validity period
    assert.equal(verifyChains(l, [i], [r], new Date(Date.now() + 20 * 365 * DAY)).chains.length, 0);
  });

  it('refuses a look-alike CA with the same name but another key', async () => {
    const twin = await pki.createCa('u-inter-twin');
    // a leaf issued by a CA whose subject is exactly u-inter's
    const impostorCa = await pki.createCa('u-impostor-ca', twin, { cn: 'u-inter' });
    const impostor = await pki.issue(impostorCa, 'u-impostor', { cn: 'svc.tresor.test' });
    const result = verifyChains(
      parseCertificate(impostor.der),
      [],
      [parseCertificate(inter.der)],
      new Date(),
    );
    assert.equal(result.chains.length, 0);
  });

  it('enforces the path length of an intermediate', async () => {
    const sub = await pki.createCa('u-sub', inter);
    const deep = await pki.issue(sub, 'u-deep', { cn: 'deep' });
    const result = verifyChains(
      parseCertificate(deep.der),
      [parseCertificate(sub.der), parseCertificate(inter.der)],
      [parseCertificate(root.der)],
      new Date(),
    );
    assert.equal(result.chains.length, 0, 'u-inter has pathlen 0 and cannot certify another CA');
  });

  it('requires the clientAuth (or any) extended key usage along the chain', async () => {
    const server = await pki.issue(inter, 'u-server', { cn: 'server', eku: ['serverAuth'] });
    const any = await pki.issue(inter, 'u-any', { cn: 'any', eku: ['anyExtendedKeyUsage'] });
    const none = await pki.issue(inter, 'u-none', { cn: 'none', eku: [] });
    const roots = [parseCertificate(inter.der)];
    assert.equal(verifyChains(parseCertificate(server.der), [], roots, new Date()).incompatibleUsage, true);
    assert.equal(verifyChains(parseCertificate(any.der), [], roots, new Date()).chains.length, 1);
    assert.equal(verifyChains(parseCertificate(none.der), [], roots, new Date()).chains.length, 1);
  });

  it('parses CRLs in PEM, base64 DER and raw DER, scoped to their issuer', async () => {
    const victim = await pki.issue(inter, 'u-victim', { cn: 'victim' });
    await pki.revoke(inter, victim);
    const pem = await pki.crl(inter);
    const der = crlBytes(pem);
    const v = parseCertificate(victim.der);
    for (const form of [pem, der.toString('base64'), der.toString('latin1')]) {
      const crl = parseCrl(crlBytes(form));
      assert.deepEqual(crl.serials, [v.serial.toString(10)]);
      assert.ok(crl.issuerDer.equals(v.issuerDer));
    }
    const crl = parseCrl(der);
    assert.equal(isRevoked(v, [crl]), true);
    assert.equal(isRevoked(parseCertificate(leaf.der), [crl]), false);
    // the same serial from another issuer is not this certificate
    assert.equal(
      isRevoked(v, [{ issuerDer: parseCertificate(root.der).subjectDer, serials: crl.serials }]),
      false,
    );
    const empty = parseCrl(crlBytes(await pki.crl(root)));
    assert.deepEqual(empty.serials, []);
    assert.throws(() => parseCrl(crlBytes('garbage')));
    assert.throws(() => parseCrl(der.subarray(0, der.length - 3)));
  });
});
