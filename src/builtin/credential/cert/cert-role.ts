/**
 * A trusted certificate ("certs/<name>" role): a CA bundle or a single non-CA leaf, the name
 * constraints a client certificate must meet, and the token settings of its logins.
 *
 * Storage (inside the mount's view, behind the barrier): `cert/<name>` → JSON of CertRole.
 * Names are lower-cased, as Vault does.
 */
import type { Storage } from '../../../logical/types.js';
import type { TokenParams } from '../token-fields.js';
import { defaultTokenParams, tokenParamsData } from '../token-fields.js';

export const CERT_PREFIX = 'cert/';

/** A stored certs role. */
export interface CertRole {
  name: string;
  certificate: string;
  displayName: string;
  allowedNames: string[];
  allowedCommonNames: string[];
  allowedDnsSans: string[];
  allowedEmailSans: string[];
  allowedUriSans: string[];
  allowedOrganizationalUnits: string[];
  requiredExtensions: string[];
  allowedMetadataExtensions: string[];
  /** The token settings of its logins. */
  token: TokenParams;
}

/** A new, empty role. */
export function emptyRole(name: string): CertRole {
  return {
    name,
    certificate: '',
    displayName: '',
    allowedNames: [],
    allowedCommonNames: [],
    allowedDnsSans: [],
    allowedEmailSans: [],
    allowedUriSans: [],
    allowedOrganizationalUnits: [],
    requiredExtensions: [],
    allowedMetadataExtensions: [],
    token: defaultTokenParams(),
  };
}

/** Reads a role; undefined when there is none. */
export async function readRole(storage: Storage, name: string): Promise<CertRole | undefined> {
  const raw = await storage.get(CERT_PREFIX + name.toLowerCase());
  if (raw === undefined) return undefined;
  const stored = JSON.parse(raw.toString('utf8')) as Partial<CertRole>;
  const empty = emptyRole(name.toLowerCase());
  return { ...empty, ...stored, token: { ...empty.token, ...stored.token } };
}

/** Writes a role. */
export async function writeRole(storage: Storage, role: CertRole): Promise<void> {
  await storage.put(CERT_PREFIX + role.name, Buffer.from(JSON.stringify(role), 'utf8'));
}

/** The names of every role, sorted. */
export async function listRoles(storage: Storage): Promise<string[]> {
  return (await storage.list(CERT_PREFIX)).filter((k) => !k.endsWith('/')).sort();
}

/** The data of a role read, with Vault's keys. */
export function roleData(role: CertRole): Record<string, unknown> {
  return {
    certificate: role.certificate,
    display_name: role.displayName,
    allowed_names: [...role.allowedNames],
    allowed_common_names: [...role.allowedCommonNames],
    allowed_dns_sans: [...role.allowedDnsSans],
    allowed_email_sans: [...role.allowedEmailSans],
    allowed_uri_sans: [...role.allowedUriSans],
    allowed_organizational_units: [...role.allowedOrganizationalUnits],
    required_extensions: [...role.requiredExtensions],
    allowed_metadata_extensions: [...role.allowedMetadataExtensions],
    ocsp_enabled: false,
    ocsp_ca_certificates: '',
    ocsp_servers_override: [],
    ocsp_fail_open: false,
    ocsp_query_all_servers: false,
    ...tokenParamsData(role.token),
  };
}
