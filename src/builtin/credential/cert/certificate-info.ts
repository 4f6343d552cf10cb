/**
 * The fields of an X.509 certificate the cert auth method checks, read from its DER with our own
 * small reader (node:crypto's X509Certificate gives only printed forms of names and SANs, whose
 * escaping is not stable across Node versions). Signatures are still verified by node:crypto.
 */
import { X509Certificate } from 'node:crypto';
import type { DerElement } from './der.js';
import {
  children,
  decodeOid,
  decodeString,
  decodeTime,
  decodeUnsigned,
  expectTag,
  parseOne,
  TAG,
} from './der.js';

/** Extended key usage OIDs. */
export const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
export const EKU_ANY = '2.5.29.37.0';

const OID_CN = '2.5.4.3';
const OID_OU = '2.5.4.11';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_EXT_KEY_USAGE = '2.5.29.37';
const OID_SAN = '2.5.29.17';
const OID_SKI = '2.5.29.14';
const OID_AKI = '2.5.29.35';

/** A parsed certificate. */
export interface CertificateInfo {
  readonly der: Buffer;
  readonly x509: X509Certificate;
  readonly serial: bigint;
  /** The raw DER of the issuer and subject Names (compared byte for byte). */
  readonly issuerDer: Buffer;
  readonly subjectDer: Buffer;
  /** The subject's last CN, as Go's pkix.Name keeps it ("" when absent). */
  readonly commonName: string;
  readonly organizationalUnits: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCa: boolean;
  /** basicConstraints pathLenConstraint, when present. */
  readonly maxPathLen: number | undefined;
  /** Extended key usage OIDs; undefined when the certificate has no EKU extension. */
  readonly extKeyUsage: readonly string[] | undefined;
  readonly dnsNames: readonly string[];
  readonly emailAddresses: readonly string[];
  readonly uris: readonly string[];
  readonly subjectKeyId: Buffer;
  readonly authorityKeyId: Buffer;
  /** Every extension's extnValue (the OCTET STRING contents) by OID. */
  readonly extensions: ReadonlyMap<string, Buffer>;
}

function parseName(name: DerElement): { commonName: string; organizationalUnits: string[] } {
  let commonName = '';
  const organizationalUnits: string[] = [];
  for (const rdn of children(expectTag(name, TAG.SEQUENCE, 'a Name'))) {
    for (const atv of children(expectTag(rdn, TAG.SET, 'an RDN'))) {
      const [type, value] = children(expectTag(atv, TAG.SEQUENCE, 'an attribute'));
      if (type === undefined || value === undefined) continue;
      const oid = decodeOid(type);
      const text = decodeString(value);
      if (text === undefined) continue;
      if (oid === OID_CN) commonName = text;
      else if (oid === OID_OU) organizationalUnits.push(text);
    }
  }
  return { commonName, organizationalUnits };
}

interface ExtensionFields {
  isCa: boolean;
  maxPathLen: number | undefined;
  extKeyUsage: string[] | undefined;
  dnsNames: string[];
  emailAddresses: string[];
  uris: string[];
  subjectKeyId: Buffer;
  authorityKeyId: Buffer;
  extensions: Map<string, Buffer>;
}

function parseExtensions(list: DerElement | undefined): ExtensionFields {
  const out: ExtensionFields = {
    isCa: false,
    maxPathLen: undefined,
    extKeyUsage: undefined,
    dnsNames: [],
    emailAddresses: [],
    uris: [],
    subjectKeyId: Buffer.alloc(0),
    authorityKeyId: Buffer.alloc(0),
    extensions: new Map(),
  };
  if (list === undefined) return out;
  for (const ext of children(expectTag(list, TAG.SEQUENCE, 'Extensions'))) {
    const parts = children(expectTag(ext, TAG.SEQUENCE, 'an Extension'));
    const oid = decodeOid(expectTag(parts[0], TAG.OID, 'an extension OID'));
    const value = expectTag(parts[parts.length - 1], TAG.OCTET_STRING, 'an extension value').content;
    out.extensions.set(oid, value);
    switch (oid) {
      case OID_BASIC_CONSTRAINTS: {
        const fields = children(expectTag(parseOne(value), TAG.SEQUENCE, 'BasicConstraints'));
        let i = 0;
        if (fields[i]?.tag === TAG.BOOLEAN) out.isCa = (fields[i++]?.content[0] ?? 0) !== 0;
        const len = fields[i];
        if (len?.tag === TAG.INTEGER) out.maxPathLen = Number(decodeUnsigned(len));
        break;
      }
      case OID_EXT_KEY_USAGE:
        out.extKeyUsage = children(expectTag(parseOne(value), TAG.SEQUENCE, 'ExtKeyUsage')).map(decodeOid);
        break;
      case OID_SAN:
        for (const gn of children(expectTag(parseOne(value), TAG.SEQUENCE, 'GeneralNames'))) {
          const text = gn.content.toString('latin1');
          if (gn.tag === 0x81) out.emailAddresses.push(text);
          else if (gn.tag === 0x82) out.dnsNames.push(text);
          else if (gn.tag === 0x86) out.uris.push(text);
        }
        break;
      case OID_SKI:
        out.subjectKeyId = Buffer.from(
          expectTag(parseOne(value), TAG.OCTET_STRING, 'a key identifier').content,
        );
        break;
      case OID_AKI: {
        const keyId = children(expectTag(parseOne(value), TAG.SEQUENCE, 'AuthorityKeyIdentifier')).find(
          (f) => f.tag === 0x80,
        );
        if (keyId !== undefined) out.authorityKeyId = Buffer.from(keyId.content);
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** Parses a DER certificate; throws on anything malformed. */
export function parseCertificate(der: Buffer): CertificateInfo {
  const x509 = new X509Certificate(der);
  const [tbs] = children(expectTag(parseOne(der), TAG.SEQUENCE, 'a Certificate'));
  const fields = children(expectTag(tbs, TAG.SEQUENCE, 'a TBSCertificate'));
  let i = fields[0]?.tag === 0xa0 ? 1 : 0;
  const serial = decodeUnsigned(expectTag(fields[i++], TAG.INTEGER, 'a serial number'));
  i++; // signature algorithm
  const issuer = expectTag(fields[i++], TAG.SEQUENCE, 'an issuer Name');
  const validity = children(expectTag(fields[i++], TAG.SEQUENCE, 'a Validity'));
  const subject = expectTag(fields[i++], TAG.SEQUENCE, 'a subject Name');
  const extensionsWrapper = fields.slice(i).find((f) => f.tag === 0xa3);
  const notBefore = validity[0];
  const notAfter = validity[1];
  if (notBefore === undefined || notAfter === undefined) throw new Error('malformed DER: validity');
  const names = parseName(subject);
  const ext = parseExtensions(extensionsWrapper === undefined ? undefined : children(extensionsWrapper)[0]);
  return {
    der,
    x509,
    serial,
    issuerDer: Buffer.from(issuer.raw),
    subjectDer: Buffer.from(subject.raw),
    commonName: names.commonName,
    organizationalUnits: names.organizationalUnits,
    notBefore: decodeTime(notBefore),
    notAfter: decodeTime(notAfter),
    ...ext,
  };
}

/** Every certificate in a PEM bundle ("CERTIFICATE" / "TRUSTED CERTIFICATE" blocks), in order. */
export function parsePemCertificates(pem: string): CertificateInfo[] {
  const out: CertificateInfo[] = [];
  const re = /-----BEGIN (TRUSTED )?CERTIFICATE-----([\s\S]*?)-----END \1?CERTIFICATE-----/g;
  for (let m = re.exec(pem); m !== null; m = re.exec(pem)) {
    const body = (m[2] ?? '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+=*$/.test(body)) continue;
    try {
      out.push(parseCertificate(Buffer.from(body, 'base64')));
    } catch {
      // Vault skips blocks it cannot parse
    }
  }
  return out;
}

/** Formats bytes as lower-case hex pairs joined by ":" (Vault's certutil.GetHexFormatted). */
export function hexColons(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
