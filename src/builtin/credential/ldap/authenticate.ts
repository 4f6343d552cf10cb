/**
 * The LDAP login flow, as Vault's ldaputil runs it:
 *   1. find the user's bind DN: search `userdn` with the userfilter (after a service bind with
 *      binddn/bindpass, or anonymously with discoverdn), or build it as `<userattr>=<user>,<userdn>`
 *      or `<user>@<upndomain>`;
 *   2. bind as the user with the password: this is the authentication (an empty password is
 *      refused before anything is sent: never an unauthenticated bind);
 *   3. bind back as the service account, find the user's DN for a UPN login;
 *   4. search `groupdn` with the groupfilter and collect the group names.
 * Every user-supplied value is escaped for the filter or DN it goes into.
 */
import type { Logger } from 'pino';
import { InvalidRequestError, LoginFailedError } from '../../../helper/errors.js';
import type { LdapConnection } from './connection.js';
import { dial } from './connection.js';
import { cnOf, escapeDnValue, escapeFilterValue, renderFilter } from './escape.js';
import type { LdapConfig } from './ldap-config.js';

/** Vault's answer to every failure that could tell a wrong password from an unknown user. */
export const USER_BIND_FAILED = 'ldap operation failed: failed to bind as user';
export const EMPTY_PASSWORD = 'password cannot be of zero length when passwordless binds are being denied';

/** What a successful authentication learned. */
export interface LdapIdentity {
  readonly userDn: string;
  /** Group names from the directory (not yet case-normalised). */
  readonly groups: string[];
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The user search filter for a username, with every value escaped. */
export function userSearchFilter(cfg: LdapConfig, username: string): string {
  if (cfg.upndomain !== '') {
    return `(userPrincipalName=${escapeFilterValue(username)}@${escapeFilterValue(cfg.upndomain)})`;
  }
  return renderFilter(cfg.userfilter, { UserAttr: cfg.userattr, Username: username });
}

/** The DN to bind as when no search is configured. */
export function constructedBindDn(cfg: LdapConfig, username: string): string {
  if (cfg.upndomain !== '') return `${escapeDnValue(username)}@${cfg.upndomain}`;
  return `${cfg.userattr}=${escapeDnValue(username)},${cfg.userdn}`;
}

async function serviceBind(cfg: LdapConfig, conn: LdapConnection): Promise<void> {
  // without a password the session stays anonymous (discoverdn)
  if (cfg.bindpass !== '') await conn.bind(cfg.binddn, cfg.bindpass);
}

async function userBindDn(cfg: LdapConfig, conn: LdapConnection, username: string): Promise<string> {
  if (!cfg.discoverdn && (cfg.binddn === '' || cfg.bindpass === '')) return constructedBindDn(cfg, username);
  await serviceBind(cfg, conn);
  const entries = await conn.search(cfg.userdn, userSearchFilter(cfg, username), [cfg.userattr], {
    sizeLimit: 2,
  });
  const [only] = entries;
  if (entries.length !== 1 || only === undefined) throw new Error('LDAP search for binddn 0 or not unique');
  return only.dn;
}

async function userDnOf(
  cfg: LdapConfig,
  conn: LdapConnection,
  bindDn: string,
  username: string,
): Promise<string> {
  if (cfg.upndomain === '') return bindDn;
  let entries;
  try {
    entries = await conn.search(cfg.userdn, userSearchFilter(cfg, username), ['1.1']);
  } catch (err) {
    throw new InvalidRequestError(`LDAP search failed for detecting user: ${message(err)}`);
  }
  return entries[entries.length - 1]?.dn ?? '';
}

function attributeValues(entry: Record<string, unknown>, attr: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attr.toLowerCase() && k !== 'dn');
  const value = key === undefined ? undefined : entry[key];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}

async function groupsOf(
  cfg: LdapConfig,
  conn: LdapConnection,
  userDn: string,
  username: string,
  log: Logger,
): Promise<string[]> {
  if (cfg.groupfilter === '' || cfg.groupdn === '') {
    log.warn('groupfilter or groupdn is empty, not searching for groups');
    return [];
  }
  const filter = renderFilter(cfg.groupfilter, { UserDN: userDn, Username: username });
  let entries;
  try {
    entries = await conn.search(cfg.groupdn, filter, [cfg.groupattr], { pageSize: cfg.max_page_size });
  } catch (err) {
    throw new InvalidRequestError(`LDAP search failed: ${message(err)}`);
  }
  const names = new Set<string>();
  for (const entry of entries) {
    const values = attributeValues(entry, cfg.groupattr);
    for (const v of values.length > 0 ? values : [entry.dn])
      names.add(cnOf(v, cfg.use_pre111_group_cn_behavior));
  }
  return [...names];
}

/** Authenticates `username` with `password`; throws a 400 with Vault's message on failure. */
export async function authenticate(
  cfg: LdapConfig,
  username: string,
  password: string,
  log: Logger,
): Promise<LdapIdentity> {
  if (password === '') throw new InvalidRequestError(EMPTY_PASSWORD);
  const conn = await dial(cfg);
  const extra: LdapConnection[] = [];
  try {
    let bindDn: string;
    try {
      bindDn = await userBindDn(cfg, conn, username);
    } catch (err) {
      log.debug({ err: message(err) }, 'error getting user bind DN');
      throw new LoginFailedError(USER_BIND_FAILED);
    }
    try {
      await conn.bind(bindDn, password);
    } catch (err) {
      log.debug({ err: message(err) }, 'ldap bind failed');
      throw new LoginFailedError(USER_BIND_FAILED);
    }
    if (cfg.binddn !== '' && cfg.bindpass !== '') {
      try {
        await conn.bind(cfg.binddn, cfg.bindpass);
      } catch (err) {
        log.debug({ err: message(err) }, 'error while re-binding with the BindDN user');
        throw new InvalidRequestError('ldap operation failed: failed to re-bind with the BindDN user');
      }
    }
    const userDn = await userDnOf(cfg, conn, bindDn, username);
    let groupConn = conn;
    if (cfg.anonymous_group_search) {
      try {
        groupConn = await dial(cfg);
      } catch {
        throw new InvalidRequestError('ldap operation failed: failed to connect to LDAP server');
      }
      extra.push(groupConn);
    }
    return { userDn, groups: await groupsOf(cfg, groupConn, userDn, username, log) };
  } finally {
    await Promise.all([conn, ...extra].map((c) => c.close()));
  }
}
