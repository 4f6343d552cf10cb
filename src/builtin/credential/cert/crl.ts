/**
 * Certificate revocation lists: parsing (PEM "X509 CRL" or DER) down to the issuer and the revoked
 * serial numbers, which is all a login needs. node:crypto cannot parse CRLs, hence the DER reader.
 */
import { children, decodeUnsigned, expectTag, parseOne, TAG } from './der.js';

/** What is kept of a CRL. */
export interface ParsedCrl {
  /** The raw DER of the CRL issuer's Name. */
  readonly issuerDer: Buffer;
  /** Revoked serial numbers, in decimal (Vault's `serials` keys). */
  readonly serials: readonly string[];
}

const PEM_CRL = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/;

/**
 * The DER bytes of a CRL given as PEM, as base64 DER, or as raw DER carried in a string
 * (one byte per character).
 */
export function crlBytes(text: string): Buffer {
  const pem = PEM_CRL.exec(text);
  if (pem !== null) return Buffer.from((pem[1] ?? '').replace(/\s+/g, ''), 'base64');
  const compact = text.replace(/\s+/g, '');
  if (compact.length > 0 && /^[A-Za-z0-9+/]+=*$/.test(compact) && compact.length % 4 === 0) {
    const decoded = Buffer.from(compact, 'base64');
    if (decoded[0] === TAG.SEQUENCE) return decoded;
  }
  return Buffer.from(text, 'latin1');
}

/** Parses a DER CRL; throws on anything malformed. */
export function parseCrl(der: Buffer): ParsedCrl {
  const [tbs] = children(expectTag(parseOne(der), TAG.SEQUENCE, 'a CertificateList'));
  const fields = children(expectTag(tbs, TAG.SEQUENCE, 'a TBSCertList'));
  let i = fields[0]?.tag === TAG.INTEGER ? 1 : 0;
  expectTag(fields[i++], TAG.SEQUENCE, 'a signature algorithm');
  const issuer = expectTag(fields[i++], TAG.SEQUENCE, 'an issuer Name');
  const thisUpdate = fields[i++];
  if (thisUpdate?.tag !== TAG.UTC_TIME && thisUpdate?.tag !== TAG.GENERALIZED_TIME) {
    throw new Error('malformed DER: expected thisUpdate');
  }
  if (fields[i]?.tag === TAG.UTC_TIME || fields[i]?.tag === TAG.GENERALIZED_TIME) i++;
  const serials: string[] = [];
  const revoked = fields[i];
  if (revoked?.tag === TAG.SEQUENCE) {
    for (const entry of children(revoked)) {
      const [serial] = children(expectTag(entry, TAG.SEQUENCE, 'a revoked certificate'));
      serials.push(decodeUnsigned(expectTag(serial, TAG.INTEGER, 'a revoked serial')).toString(10));
    }
  }
  return { issuerDer: Buffer.from(issuer.raw), serials };
}
