import { STORAGE_KEYS, authMountPrefix, logicalMountPrefix } from '../storage-keys.js';

/** One row of a mount table (secrets engines in `mounts`, auth methods in `auth`). */
export interface MountConfig {
  default_lease_ttl: number;
  max_lease_ttl: number;
  force_no_cache: boolean;
  audit_non_hmac_request_keys?: string[];
  audit_non_hmac_response_keys?: string[];
  listing_visibility?: string;
  passthrough_request_headers?: string[];
  token_type?: string;
  /** Auth mounts only: Vault's user lockout settings (seconds). */
  user_lockout_config?: {
    lockout_threshold?: number;
    lockout_duration?: number;
    lockout_counter_reset?: number;
    lockout_disable?: boolean;
  };
}

export interface MountEntry {
  /** Which table: secrets engines or auth methods. */
  table: 'mounts' | 'auth';
  /** Path inside its table, with a trailing slash: "secret/", "userpass/". */
  path: string;
  type: string;
  description: string;
  uuid: string;
  accessor: string;
  config: MountConfig;
  options: Record<string, string>;
  local: boolean;
  seal_wrap: boolean;
  external_entropy_access: boolean;
  plugin_version: string;
}

/** The request-path prefix a mount serves: "secret/" or "auth/userpass/". */
export function routePrefix(e: Pick<MountEntry, 'table' | 'path'>): string {
  return e.table === 'auth' ? `auth/${e.path}` : e.path;
}

/** The storage prefix of the mount's private view, under the barrier. */
export function storagePrefix(e: Pick<MountEntry, 'table' | 'uuid' | 'type'>): string {
  if (e.type === 'system') return STORAGE_KEYS.system;
  if (e.type === 'token') return STORAGE_KEYS.tokens;
  return e.table === 'auth' ? authMountPrefix(e.uuid) : logicalMountPrefix(e.uuid);
}

/** The JSON shape `sys/mounts` and `sys/auth` answer with. */
export function mountEntryJson(e: MountEntry): Record<string, unknown> {
  const config: Record<string, unknown> = {
    default_lease_ttl: e.config.default_lease_ttl,
    max_lease_ttl: e.config.max_lease_ttl,
    force_no_cache: e.config.force_no_cache,
  };
  if (e.config.token_type !== undefined) config.token_type = e.config.token_type;
  if (e.config.listing_visibility !== undefined) config.listing_visibility = e.config.listing_visibility;
  if (e.config.audit_non_hmac_request_keys !== undefined)
    config.audit_non_hmac_request_keys = e.config.audit_non_hmac_request_keys;
  if (e.config.audit_non_hmac_response_keys !== undefined)
    config.audit_non_hmac_response_keys = e.config.audit_non_hmac_response_keys;
  if (e.config.passthrough_request_headers !== undefined)
    config.passthrough_request_headers = e.config.passthrough_request_headers;
  if (e.config.user_lockout_config !== undefined) config.user_lockout_config = e.config.user_lockout_config;
  return {
    type: e.type,
    description: e.description,
    accessor: e.accessor,
    uuid: e.uuid,
    local: e.local,
    seal_wrap: e.seal_wrap,
    external_entropy_access: e.external_entropy_access,
    options: Object.keys(e.options).length === 0 ? null : e.options,
    plugin_version: e.plugin_version,
    running_plugin_version: e.plugin_version === '' ? 'v1.15.0+builtin.tresor' : e.plugin_version,
    running_sha256: '',
    config,
  };
}
