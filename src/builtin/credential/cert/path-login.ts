/**
 * `login { name? }`: authenticates the client certificate presented in the TLS handshake.
 *
 * The leaf must be within its validity period; it is then accepted either because it equals a
 * trusted non-CA certificate (a pinned leaf), or because it chains to a trusted CA (see
 * verify-chain.ts). The matched role's name constraints must hold and no certificate of the chain
 * may be on a stored CRL. With `name`, only that role is tried; without, every role in name order,
 * and the first match wins (Vault's behaviour). Failures are 400s with Vault's messages.
 */
import type { LogicalRequest, LogicalResponse } from '../../../logical/types.js';
import type { PathSpec } from '../../../framework/backend.js';
import type { FieldData } from '../../../framework/field-data.js';
import { InvalidRequestError, PermissionDeniedError } from '../../../helper/errors.js';
import type { CertRole } from './cert-role.js';
import { listRoles, readRole } from './cert-role.js';
import type { CertificateInfo } from './certificate-info.js';
import { hexColons, parseCertificate, parsePemCertificates } from './certificate-info.js';
import { extensionString, matchesRoleConstraints } from './constraints.js';
import type { ParsedCrl } from './crl.js';
import { loadCrls } from './path-crls.js';
import { ipInCidrs } from '../../../helper/cidr.js';
import { authDisplayName, tokenAuth } from '../token-fields.js';
import { chainRevoked, verifyChains, withinValidity } from './verify-chain.js';

interface TrustedRole {
  readonly role: CertRole;
  readonly certs: readonly CertificateInfo[];
}

/** A successful match: the role and the presented leaf. */
export interface CertMatch {
  readonly role: CertRole;
  readonly leaf: CertificateInfo;
}

async function loadTrusted(req: LogicalRequest, name: string): Promise<TrustedRole[]> {
  const names = name === '' ? await listRoles(req.storage) : [name.toLowerCase()];
  const out: TrustedRole[] = [];
  for (const n of names) {
    const role = await readRole(req.storage, n);
    if (role === undefined) continue;
    const certs = parsePemCertificates(role.certificate);
    if (certs.length > 0) out.push({ role, certs });
  }
  return out;
}

function presented(req: LogicalRequest): { leaf: CertificateInfo; intermediates: CertificateInfo[] } {
  const chain = req.connection?.peerCertificates ?? [];
  const [first, ...rest] = chain;
  if (first === undefined) throw new InvalidRequestError('client certificate must be supplied');
  let leaf: CertificateInfo;
  try {
    leaf = parseCertificate(first);
  } catch {
    throw new InvalidRequestError('failed to parse the client certificate');
  }
  const intermediates: CertificateInfo[] = [];
  for (const der of rest) {
    try {
      intermediates.push(parseCertificate(der));
    } catch {
      // an unparsable extra certificate cannot help build a chain
    }
  }
  return { leaf, intermediates };
}

function acceptable(
  leaf: CertificateInfo,
  chain: readonly CertificateInfo[],
  role: CertRole,
  crls: readonly ParsedCrl[],
): boolean {
  return !chainRevoked(chain, crls) && matchesRoleConstraints(leaf, role);
}

/** Finds the role the presented certificate authenticates against, or throws a 400. */
export async function verifyCredentials(
  req: LogicalRequest,
  name: string,
  now = new Date(),
): Promise<CertMatch> {
  const { leaf, intermediates } = presented(req);
  if (!withinValidity(leaf, now)) {
    throw new InvalidRequestError(
      "failed to verify client's certificate: x509: certificate has expired or is not yet valid",
    );
  }
  const trusted = await loadTrusted(req, name);
  const crls = await loadCrls(req.storage);

  for (const { role, certs } of trusted) {
    const pinned = certs[0];
    if (pinned === undefined || pinned.isCa) continue;
    if (pinned.der.equals(leaf.der) && acceptable(leaf, certs, role, crls)) return { role, leaf };
  }

  const cas = trusted.filter((t) => t.certs[0]?.isCa === true);
  const result = verifyChains(
    leaf,
    intermediates,
    cas.flatMap((t) => t.certs),
    now,
  );
  if (result.incompatibleUsage) {
    throw new InvalidRequestError(
      "failed to verify client's certificate: x509: certificate specifies an incompatible key usage",
    );
  }
  if (result.chains.length === 0)
    throw new InvalidRequestError('invalid certificate or no client certificate supplied');

  for (const { role, certs } of cas) {
    for (const chain of result.chains) {
      const intersects = certs.some((t) => chain.some((c) => c.der.equals(t.der)));
      if (intersects && acceptable(leaf, chain, role, crls)) return { role, leaf };
    }
  }
  throw new InvalidRequestError(
    'no chain matching all constraints could be found for this login certificate',
  );
}

/** The token metadata of a certificate login. */
export function loginMetadata(match: CertMatch): Record<string, string> {
  const { role, leaf } = match;
  const metadata: Record<string, string> = {
    cert_name: role.name,
    common_name: leaf.commonName,
    serial_number: leaf.serial.toString(10),
    subject_key_id: hexColons(leaf.subjectKeyId),
    authority_key_id: hexColons(leaf.authorityKeyId),
  };
  for (const oid of role.allowedMetadataExtensions) {
    const value = leaf.extensions.get(oid);
    if (value !== undefined) metadata[oid.replaceAll('.', '-')] = extensionString(value);
  }
  return metadata;
}

async function login(req: LogicalRequest, data: FieldData): Promise<LogicalResponse> {
  const match = await verifyCredentials(req, data.string('name'));
  const cidrs = match.role.token.token_bound_cidrs;
  if (cidrs.length > 0 && !ipInCidrs(req.remoteAddress, cidrs)) throw new PermissionDeniedError();
  const auth = tokenAuth(match.role.token);
  auth.displayName = authDisplayName(req.mountPoint, match.role.displayName);
  auth.metadata = loginMetadata(match);
  return { auth };
}

/** The login path of a cert auth mount. */
export const pathLogin: PathSpec = {
  pattern: '^login$',
  fields: { name: { kind: 'string', description: 'The certs role to authenticate against (default: any).' } },
  operations: { update: login },
  synopsis: 'Authenticates with the TLS client certificate.',
};
