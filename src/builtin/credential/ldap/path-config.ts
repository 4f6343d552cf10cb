/**
 * `config` of an ldap auth mount.
 *   GET → every setting but bindpass and client_tls_key (Vault's defaults until written)
 *   POST → 204 (200 with a warning when userfilter ignores userattr); fields not sent keep their value
 */
import type { LogicalRequest, LogicalResponse } from '../../../logical/types.js';
import type { PathSpec } from '../../../framework/backend.js';
import type { FieldData } from '../../../framework/field-data.js';
import type { LdapConfig } from './ldap-config.js';
import {
  applyConfigFields,
  CONFIG_FIELDS,
  configData,
  defaultConfig,
  readConfig,
  writeConfig,
} from './ldap-config.js';

const USER_FILTER_WARNING =
  'userfilter configured does not consider userattr and may result in colliding entity aliases on logins';

function warnings(cfg: LdapConfig): string[] {
  const f = cfg.userfilter;
  return f === '' || f.includes('{{.UserAttr}}') || f.includes(cfg.userattr) ? [] : [USER_FILTER_WARNING];
}

async function read(req: LogicalRequest): Promise<LogicalResponse> {
  const cfg = (await readConfig(req.storage)) ?? defaultConfig();
  const w = warnings(cfg);
  return { data: configData(cfg), ...(w.length === 0 ? {} : { warnings: w }) };
}

async function write(req: LogicalRequest, data: FieldData): Promise<LogicalResponse | undefined> {
  const cfg = applyConfigFields((await readConfig(req.storage)) ?? defaultConfig(), data);
  await writeConfig(req.storage, cfg);
  const w = warnings(cfg);
  return w.length === 0 ? undefined : { warnings: w };
}

/** The config path of an ldap auth mount. */
export const pathConfig: PathSpec = {
  pattern: '^config$',
  fields: CONFIG_FIELDS,
  operations: { read, update: write },
  synopsis: 'Configures the LDAP server to connect to and how users and groups are found.',
};
