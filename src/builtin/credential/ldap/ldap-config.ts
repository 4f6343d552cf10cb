/**
 * The ldap auth method's `config`: where the directory is, how users and groups are found, TLS,
 * and the token settings of its logins. Writes merge into the stored config (fields not sent keep
 * their value), as Vault does. The bind password is stored (behind the barrier) but never shown.
 *
 * Storage: `config` → JSON of LdapConfig.
 */
import { X509Certificate } from 'node:crypto';
import type { Storage } from '../../../logical/types.js';
import type { FieldData, FieldSchemas } from '../../../framework/field-data.js';
import { InvalidRequestError } from '../../../helper/errors.js';
import type { TokenParams } from '../token-fields.js';
import { defaultTokenParams, parseTokenFields, TOKEN_FIELDS, tokenParamsData } from '../token-fields.js';
import { validateTemplate } from './escape.js';

const CONFIG_KEY = 'config';

export const DEFAULT_GROUP_FILTER =
  '(|(memberUid={{.Username}})(member={{.UserDN}})(uniqueMember={{.UserDN}}))';
export const DEFAULT_USER_FILTER = '({{.UserAttr}}={{.Username}})';
const TLS_VERSIONS = ['tls10', 'tls11', 'tls12', 'tls13'] as const;
const DEREF = ['never', 'finding', 'searching', 'always'] as const;

/** The stored configuration (durations in seconds). */
export interface LdapConfig {
  url: string;
  binddn: string;
  bindpass: string;
  userdn: string;
  userattr: string;
  userfilter: string;
  upndomain: string;
  discoverdn: boolean;
  deny_null_bind: boolean;
  anonymous_group_search: boolean;
  groupdn: string;
  groupfilter: string;
  groupattr: string;
  case_sensitive_names: boolean;
  username_as_alias: boolean;
  use_token_groups: boolean;
  use_pre111_group_cn_behavior: boolean;
  starttls: boolean;
  insecure_tls: boolean;
  certificate: string;
  client_tls_cert: string;
  client_tls_key: string;
  tls_min_version: (typeof TLS_VERSIONS)[number];
  tls_max_version: (typeof TLS_VERSIONS)[number];
  request_timeout: number;
  connection_timeout: number;
  dereference_aliases: (typeof DEREF)[number];
  max_page_size: number;
  token: TokenParams;
}

/** Vault's defaults. */
export function defaultConfig(): LdapConfig {
  return {
    url: 'ldap://127.0.0.1',
    binddn: '',
    bindpass: '',
    userdn: '',
    userattr: 'cn',
    userfilter: DEFAULT_USER_FILTER,
    upndomain: '',
    discoverdn: false,
    deny_null_bind: true,
    anonymous_group_search: false,
    groupdn: '',
    groupfilter: DEFAULT_GROUP_FILTER,
    groupattr: 'cn',
    case_sensitive_names: false,
    username_as_alias: false,
    use_token_groups: false,
    use_pre111_group_cn_behavior: false,
    starttls: false,
    insecure_tls: false,
    certificate: '',
    client_tls_cert: '',
    client_tls_key: '',
    tls_min_version: 'tls12',
    tls_max_version: 'tls12',
    request_timeout: 90,
    connection_timeout: 30,
    dereference_aliases: 'never',
    max_page_size: 0,
    token: defaultTokenParams(),
  };
}

const str = (description: string) => ({ kind: 'string' as const, description });
const bool = (description: string) => ({ kind: 'bool' as const, description });

/** The config path's field schemas. */
export const CONFIG_FIELDS: FieldSchemas = {
  url: str('LDAP URLs, comma-separated, tried in order (ldap:// or ldaps://).'),
  binddn: str('DN of the service account used to search for users.'),
  bindpass: str('Password of the service account (never returned).'),
  userdn: str('Base DN under which users are searched.'),
  userattr: str('Attribute holding the username (default: cn).'),
  userfilter: str('Filter template finding the user: {{.UserAttr}}, {{.Username}}.'),
  upndomain: str('userPrincipalName domain: bind as username@upndomain.'),
  discoverdn: bool('Search for the user DN (anonymously unless binddn is set).'),
  deny_null_bind: bool('Refuse empty passwords (always enforced by tresor).'),
  anonymous_group_search: bool('Search groups over a fresh anonymous connection.'),
  groupdn: str('Base DN under which groups are searched.'),
  groupfilter: str('Filter template finding the groups of a user: {{.UserDN}}, {{.Username}}.'),
  groupattr: str('Attribute of group entries naming the group (default: cn).'),
  case_sensitive_names: bool('Match user and group names case-sensitively.'),
  username_as_alias: bool('Use the username as the identity alias.'),
  use_token_groups: bool('Active Directory tokenGroups lookups (not supported).'),
  use_pre111_group_cn_behavior: bool('Match the CN attribute type case-sensitively (pre-1.11).'),
  starttls: bool('Issue StartTLS on ldap:// connections.'),
  insecure_tls: bool('Skip verification of the server certificate (insecure).'),
  certificate: str('PEM CA certificate that signs the server certificate.'),
  client_tls_cert: str('PEM client certificate for mutual TLS.'),
  client_tls_key: str('PEM key of the client certificate (never returned).'),
  tls_min_version: str('Minimum TLS version: tls10, tls11, tls12 or tls13.'),
  tls_max_version: str('Maximum TLS version: tls10, tls11, tls12 or tls13.'),
  request_timeout: { kind: 'duration', description: 'Timeout of each LDAP operation (default 90s).' },
  connection_timeout: { kind: 'duration', description: 'Timeout of each connection attempt (default 30s).' },
  dereference_aliases: str('Alias dereferencing: never, finding, searching or always.'),
  max_page_size: { kind: 'int', description: 'Page size of group searches (0: no paging).' },
  ...TOKEN_FIELDS,
};

function checkUrls(url: string): string {
  const list = url
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (list.length === 0) throw new InvalidRequestError('at least one url must be provided');
  for (const u of list) {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw new InvalidRequestError(
        `error parsing url "${u}": use ldap://host[:port] or ldaps://host[:port]`,
      );
    }
    if (parsed.protocol !== 'ldap:' && parsed.protocol !== 'ldaps:') {
      throw new InvalidRequestError(`invalid LDAP scheme in url "${u}": use ldap:// or ldaps://`);
    }
  }
  return list.join(',').toLowerCase();
}

function checkPem(pem: string, what: string): string {
  if (pem === '') return pem;
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  if (block === null) throw new InvalidRequestError(`failed to decode PEM block in the ${what}`);
  try {
    new X509Certificate(block[0]);
  } catch (err) {
    throw new InvalidRequestError(
      `failed to parse ${what}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return pem;
}

function oneOf<T extends string>(values: readonly T[], value: string, param: string): T {
  const found = values.find((v) => v === value);
  if (found === undefined)
    throw new InvalidRequestError(`invalid '${param}' value "${value}": use one of ${values.join(', ')}`);
  return found;
}

/** Applies the fields the client sent to `cfg` and validates the result. */
export function applyConfigFields(cfg: LdapConfig, data: FieldData): LdapConfig {
  const next: LdapConfig = { ...cfg };
  const strings = ['binddn', 'bindpass', 'userdn', 'upndomain', 'groupdn', 'groupattr'] as const;
  for (const key of strings) if (data.has(key)) next[key] = data.string(key);
  const bools = [
    'discoverdn',
    'deny_null_bind',
    'anonymous_group_search',
    'case_sensitive_names',
    'username_as_alias',
    'use_token_groups',
    'use_pre111_group_cn_behavior',
    'starttls',
    'insecure_tls',
  ] as const;
  for (const key of bools) if (data.has(key)) next[key] = data.bool(key);
  if (data.has('url')) next.url = checkUrls(data.string('url'));
  if (data.has('userattr')) next.userattr = data.string('userattr').toLowerCase() || 'cn';
  if (data.has('groupattr') && next.groupattr === '') next.groupattr = 'cn';
  if (data.has('userfilter')) next.userfilter = data.string('userfilter') || DEFAULT_USER_FILTER;
  if (data.has('groupfilter')) next.groupfilter = data.string('groupfilter');
  validateTemplate(next.userfilter, ['UserAttr', 'Username'], 'userfilter');
  validateTemplate(next.groupfilter, ['UserDN', 'Username'], 'groupfilter');
  if (data.has('certificate')) next.certificate = checkPem(data.string('certificate'), 'certificate');
  if (data.has('client_tls_cert'))
    next.client_tls_cert = checkPem(data.string('client_tls_cert'), 'client certificate');
  if (data.has('client_tls_key')) next.client_tls_key = data.string('client_tls_key');
  if ((next.client_tls_cert === '') !== (next.client_tls_key === '')) {
    throw new InvalidRequestError('both client_tls_cert and client_tls_key must be set');
  }
  if (data.has('tls_min_version'))
    next.tls_min_version = oneOf(TLS_VERSIONS, data.string('tls_min_version'), 'tls_min_version');
  if (data.has('tls_max_version'))
    next.tls_max_version = oneOf(TLS_VERSIONS, data.string('tls_max_version'), 'tls_max_version');
  if (TLS_VERSIONS.indexOf(next.tls_max_version) < TLS_VERSIONS.indexOf(next.tls_min_version)) {
    throw new InvalidRequestError("'tls_max_version' must be greater than or equal to 'tls_min_version'");
  }
  if (data.has('request_timeout')) next.request_timeout = data.duration('request_timeout');
  if (data.has('connection_timeout')) next.connection_timeout = data.duration('connection_timeout');
  if (data.has('dereference_aliases'))
    next.dereference_aliases = oneOf(DEREF, data.string('dereference_aliases'), 'dereference_aliases');
  if (data.has('max_page_size')) next.max_page_size = Math.max(0, data.int('max_page_size'));
  if (next.use_token_groups) {
    throw new InvalidRequestError(
      'use_token_groups (Active Directory tokenGroups) is not supported; use groupfilter/groupdn',
    );
  }
  next.token = parseTokenFields(data, cfg.token);
  return next;
}

/** The config as a read shows it: everything but the bind password and the client key. */
export function configData(cfg: LdapConfig): Record<string, unknown> {
  const visible: Partial<LdapConfig> = { ...cfg };
  delete visible.bindpass;
  delete visible.client_tls_key;
  delete visible.token;
  return { ...visible, ...tokenParamsData(cfg.token) };
}

/** The stored config, or undefined when the method was never configured. */
export async function readConfig(storage: Storage): Promise<LdapConfig | undefined> {
  const raw = await storage.get(CONFIG_KEY);
  if (raw === undefined) return undefined;
  const stored = JSON.parse(raw.toString('utf8')) as Partial<LdapConfig>;
  const base = defaultConfig();
  return { ...base, ...stored, token: { ...base.token, ...stored.token } };
}

/** Stores the config. */
export async function writeConfig(storage: Storage, cfg: LdapConfig): Promise<void> {
  await storage.put(CONFIG_KEY, Buffer.from(JSON.stringify(cfg), 'utf8'));
}
