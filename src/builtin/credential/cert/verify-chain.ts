/**
 * Client certificate chain verification, done by the auth method itself because the TLS listener
 * requests client certificates without verifying them (as Vault's does). Chains are built from
 * the leaf through the intermediates the client presented up to a trusted CA, checking at each
 * step the issuer's name and key identifier (X509Certificate.checkIssued), its signature
 * (X509Certificate.verify), its validity period, that it is a CA, and its path length limit;
 * then the extended key usages of the chain must allow client authentication.
 */
import type { CertificateInfo } from './certificate-info.js';
import { EKU_ANY, EKU_CLIENT_AUTH } from './certificate-info.js';
import type { ParsedCrl } from './crl.js';

/** Longest chain considered (leaf included) and most chains collected. */
const MAX_DEPTH = 10;
const MAX_CHAINS = 32;

/** Whether `now` falls within the certificate's validity period. */
export function withinValidity(cert: CertificateInfo, now: Date): boolean {
  return cert.notBefore.getTime() <= now.getTime() && now.getTime() <= cert.notAfter.getTime();
}

/** Whether the certificate's EKU (when it has one) allows TLS client authentication. */
export function permitsClientAuth(cert: CertificateInfo): boolean {
  const eku = cert.extKeyUsage;
  return eku === undefined || eku.includes(EKU_CLIENT_AUTH) || eku.includes(EKU_ANY);
}

/** Whether `issuer` issued and signed `child`. */
export function issuedBy(child: CertificateInfo, issuer: CertificateInfo): boolean {
  try {
    return child.x509.checkIssued(issuer.x509) && child.x509.verify(issuer.x509.publicKey);
  } catch {
    return false;
  }
}

/** Whether any stored CRL from the certificate's issuer lists its serial number. */
export function isRevoked(cert: CertificateInfo, crls: readonly ParsedCrl[]): boolean {
  const serial = cert.serial.toString(10);
  return crls.some((crl) => crl.issuerDer.equals(cert.issuerDer) && crl.serials.includes(serial));
}

/** Whether any certificate of the chain is revoked. */
export function chainRevoked(chain: readonly CertificateInfo[], crls: readonly ParsedCrl[]): boolean {
  return chain.some((cert) => isRevoked(cert, crls));
}

function canIssue(issuer: CertificateInfo, chain: readonly CertificateInfo[], now: Date): boolean {
  // chain.length - 1 intermediates would sit between this issuer and the leaf
  const pathOk = issuer.maxPathLen === undefined || chain.length - 1 <= issuer.maxPathLen;
  return issuer.isCa && pathOk && withinValidity(issuer, now);
}

/** The outcome of verifying a presented chain. */
export interface ChainResult {
  /** Every verified chain, leaf first, trusted CA last. */
  readonly chains: CertificateInfo[][];
  /** True when chains were found but none allowed client authentication. */
  readonly incompatibleUsage: boolean;
}

/**
 * Builds every chain from `leaf` to one of `roots`, through `intermediates` (the other
 * certificates the client presented). The leaf's own validity is the caller's check.
 */
export function verifyChains(
  leaf: CertificateInfo,
  intermediates: readonly CertificateInfo[],
  roots: readonly CertificateInfo[],
  now: Date,
): ChainResult {
  const found: CertificateInfo[][] = [];
  if (roots.some((r) => r.der.equals(leaf.der))) found.push([leaf]);
  const extend = (chain: CertificateInfo[]): void => {
    if (found.length >= MAX_CHAINS || chain.length >= MAX_DEPTH) return;
    const current = chain[chain.length - 1];
    if (current === undefined) return;
    const inChain = (c: CertificateInfo): boolean => chain.some((x) => x.der.equals(c.der));
    for (const root of roots) {
      if (!inChain(root) && canIssue(root, chain, now) && issuedBy(current, root))
        found.push([...chain, root]);
    }
    for (const next of intermediates) {
      if (roots.some((r) => r.der.equals(next.der))) continue;
      if (!inChain(next) && canIssue(next, chain, now) && issuedBy(current, next)) extend([...chain, next]);
    }
  };
  if (found.length === 0) extend([leaf]);
  const usable = found.filter((chain) => chain.every(permitsClientAuth));
  return { chains: usable, incompatibleUsage: found.length > 0 && usable.length === 0 };
}
