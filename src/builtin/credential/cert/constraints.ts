/**
 * A certs role's name constraints, checked against the presented leaf as Vault does: every
 * configured list must have at least one glob that matches (an empty list allows anything), and
 * every required extension "oid:glob" must be present with a matching string value.
 */
import type { CertificateInfo } from './certificate-info.js';
import { decodeString, parseOne } from './der.js';
import type { CertRole } from './cert-role.js';

/**
 * Vault's glob (ryanuber/go-glob): `*` matches any run of characters, nothing else is special,
 * and an empty pattern matches only the empty string.
 */
export function glob(pattern: string, subject: string): boolean {
  if (pattern === '') return subject === '';
  if (pattern === '*') return true;
  const parts = pattern.split('*');
  if (parts.length === 1) return subject === pattern;
  const leading = pattern.startsWith('*');
  const trailing = pattern.endsWith('*');
  const end = parts.length - 1;
  let rest = subject;
  for (let i = 0; i < end; i++) {
    const part = parts[i] ?? '';
    const idx = rest.indexOf(part);
    if (i === 0 ? !leading && idx !== 0 : idx < 0) return false;
    rest = rest.slice(idx + part.length);
  }
  return trailing || rest.endsWith(parts[end] ?? '');
}

function anyMatch(patterns: readonly string[], values: readonly string[]): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) => values.some((v) => glob(p, v)));
}

/** An extension's value read as an ASN.1 string ("" when it is not one), as Vault reads it. */
export function extensionString(value: Buffer): string {
  try {
    return decodeString(parseOne(value)) ?? '';
  } catch {
    return '';
  }
}

function matchesExtensions(cert: CertificateInfo, required: readonly string[]): boolean {
  if (required.length === 0) return true;
  if (cert.extensions.size === 0) return false;
  return required.every((req) => {
    const colon = req.indexOf(':');
    const oid = colon === -1 ? req : req.slice(0, colon);
    const pattern = colon === -1 ? '' : req.slice(colon + 1);
    const value = cert.extensions.get(oid);
    return value !== undefined && glob(pattern, extensionString(value));
  });
}

/** Whether the leaf satisfies every name and extension constraint of the role. */
export function matchesRoleConstraints(cert: CertificateInfo, role: CertRole): boolean {
  const cnAndSans = [cert.commonName, ...cert.dnsNames, ...cert.emailAddresses];
  return (
    anyMatch(role.allowedNames, cnAndSans) &&
    anyMatch(role.allowedCommonNames, [cert.commonName]) &&
    anyMatch(role.allowedDnsSans, cert.dnsNames) &&
    anyMatch(role.allowedEmailSans, cert.emailAddresses) &&
    anyMatch(role.allowedUriSans, cert.uris) &&
    anyMatch(role.allowedOrganizationalUnits, cert.organizationalUnits) &&
    matchesExtensions(cert, role.requiredExtensions)
  );
}
