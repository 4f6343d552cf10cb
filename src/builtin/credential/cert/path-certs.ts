/**
 * `certs/<name>` (read, write, delete) and `certs/` (list): the trusted certificates.
 *   POST { certificate (PEM, required), display_name, allowed_*, required_extensions,
 *          allowed_metadata_extensions, token_* (and the deprecated policies, ttl, max_ttl,
 *          period, bound_cidrs, lease) } → 204, or 200 with TTL warnings
 */
import type { LogicalRequest, LogicalResponse, SystemView } from '../../../logical/types.js';
import type { PathSpec } from '../../../framework/backend.js';
import type { FieldData, FieldSchemas } from '../../../framework/field-data.js';
import { listResponse } from '../../../framework/list-response.js';
import { InvalidRequestError } from '../../../helper/errors.js';
import type { TokenParams } from '../token-fields.js';
import { parseTokenFields, TOKEN_FIELDS } from '../token-fields.js';
import type { CertRole } from './cert-role.js';
import { emptyRole, listRoles, readRole, roleData, writeRole, CERT_PREFIX } from './cert-role.js';
import { EKU_ANY, EKU_CLIENT_AUTH, parsePemCertificates } from './certificate-info.js';

/** Vault's GenericNameRegex for role names. */
export const NAME_PATTERN = String.raw`(?<name>\w(?:[\w.-]*\w)?)`;

const list = (description: string) => ({ kind: 'strings' as const, description });

const FIELDS: FieldSchemas = {
  name: { kind: 'string', description: 'The name of the trusted certificate.' },
  certificate: {
    kind: 'string',
    description: 'The PEM certificate (a CA bundle or a client leaf) to trust.',
  },
  display_name: {
    kind: 'string',
    description: 'The display name of tokens issued by this role (default: the name).',
  },
  allowed_names: list('Deprecated: globs matched against the CN, DNS and email SANs.'),
  allowed_common_names: list('Globs; at least one must match the Common Name.'),
  allowed_dns_sans: list('Globs; at least one must match a DNS SAN.'),
  allowed_email_sans: list('Globs; at least one must match an email SAN.'),
  allowed_uri_sans: list('Globs; at least one must match a URI SAN.'),
  allowed_organizational_units: list('Globs; at least one must match an OU.'),
  required_extensions: list('"oid:glob" entries that must all match the certificate extensions.'),
  allowed_metadata_extensions: list('Extension OIDs copied into the token metadata.'),
  ocsp_enabled: { kind: 'bool', description: 'OCSP checking (not supported: must be false).' },
  lease: { kind: 'int', description: 'Deprecated: use token_ttl.' },
  ...TOKEN_FIELDS,
};

/** Vault's warnings when a role asks for more than the mount allows (capped at issue time). */
export function ttlWarnings(
  t: TokenParams,
  mount: { defaultLeaseTtl: number; maxLeaseTtl: number },
): string[] {
  const warnings: string[] = [];
  if (t.token_ttl > mount.defaultLeaseTtl) {
    warnings.push(
      `Given ttl of ${t.token_ttl} seconds is greater than current mount/system default of ${mount.defaultLeaseTtl} seconds`,
    );
  }
  if (t.token_max_ttl > mount.maxLeaseTtl) {
    warnings.push(
      `Given max_ttl of ${t.token_max_ttl} seconds is greater than current mount/system default of ${mount.maxLeaseTtl} seconds`,
    );
  }
  if (t.token_period > mount.maxLeaseTtl) {
    warnings.push(
      `Given period of ${t.token_period} seconds is greater than the backend's maximum TTL of ${mount.maxLeaseTtl} seconds`,
    );
  }
  return warnings;
}

function checkCertificate(role: CertRole): void {
  const parsed = parsePemCertificates(role.certificate);
  const first = parsed[0];
  if (first === undefined) throw new InvalidRequestError('failed to parse certificate');
  if (!first.isCa && first.extKeyUsage !== undefined) {
    if (!first.extKeyUsage.includes(EKU_CLIENT_AUTH) && !first.extKeyUsage.includes(EKU_ANY)) {
      throw new InvalidRequestError(
        'nonCA certificates should have TLS client authentication set as an extended key usage',
      );
    }
  }
}

async function write(
  req: LogicalRequest,
  data: FieldData,
  system: SystemView,
): Promise<LogicalResponse | undefined> {
  const name = data.string('name').toLowerCase();
  const role = (await readRole(req.storage, name)) ?? emptyRole(name);
  if (data.has('certificate')) role.certificate = data.string('certificate');
  if (data.has('display_name')) role.displayName = data.string('display_name');
  const lists = [
    ['allowed_names', 'allowedNames'],
    ['allowed_common_names', 'allowedCommonNames'],
    ['allowed_dns_sans', 'allowedDnsSans'],
    ['allowed_email_sans', 'allowedEmailSans'],
    ['allowed_uri_sans', 'allowedUriSans'],
    ['allowed_organizational_units', 'allowedOrganizationalUnits'],
    ['required_extensions', 'requiredExtensions'],
    ['allowed_metadata_extensions', 'allowedMetadataExtensions'],
  ] as const;
  for (const [field, prop] of lists) if (data.has(field)) role[prop] = data.strings(field);
  if (data.bool('ocsp_enabled'))
    throw new InvalidRequestError('OCSP checking is not supported by this server; use crls/ instead');
  for (const ext of role.requiredExtensions) {
    if (!/^\d+(?:\.\d+)+:/.test(ext)) {
      throw new InvalidRequestError(
        `required_extensions entry "${ext}" must have the form "<oid>:<value glob>"`,
      );
    }
  }
  role.token = parseTokenFields(data, role.token);
  if (!data.has('token_ttl') && !data.has('ttl') && data.has('lease'))
    role.token.token_ttl = Math.max(0, data.int('lease'));
  if (role.displayName === '') role.displayName = name;
  checkCertificate(role);
  await writeRole(req.storage, role);
  const warnings = ttlWarnings(role.token, system.mountLeaseTtls(req.mountPoint));
  return warnings.length === 0 ? undefined : { warnings };
}

/** The certs paths of a cert auth mount. */
export function pathCerts(system: SystemView): PathSpec[] {
  return [
    {
      pattern: '^certs/?$',
      fields: {},
      operations: { list: async (req) => listResponse(await listRoles(req.storage)) },
      synopsis: 'Lists the trusted certificates.',
    },
    {
      pattern: `^certs/${NAME_PATTERN}$`,
      fields: FIELDS,
      operations: {
        read: async (req, data) => {
          const role = await readRole(req.storage, data.string('name'));
          return role === undefined ? undefined : { data: roleData(role) };
        },
        update: (req, data) => write(req, data, system),
        delete: async (req, data) => {
          await req.storage.delete(CERT_PREFIX + data.string('name').toLowerCase());
          return undefined;
        },
      },
      synopsis: 'Manages trusted certificates used for authentication.',
    },
  ];
}
