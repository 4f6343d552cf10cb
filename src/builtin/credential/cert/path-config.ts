/**
 * `config`: mount-wide settings of the cert auth method, stored and returned as Vault does.
 *   GET → { disable_binding, enable_identity_alias_metadata, enable_metadata_on_failures,
 *           ocsp_cache_size, role_cache_size }
 *   POST (any of those) → 204
 * Renewal re-checks and identity aliases are handled by the core, so these are kept for clients
 * and tools that read them back.
 */
import type { LogicalRequest, LogicalResponse, Storage } from '../../../logical/types.js';
import type { PathSpec } from '../../../framework/backend.js';
import type { FieldData } from '../../../framework/field-data.js';
import { InvalidRequestError } from '../../../helper/errors.js';

const CONFIG_KEY = 'config';

/** The cert mount's settings. */
export interface CertConfig {
  disableBinding: boolean;
  enableIdentityAliasMetadata: boolean;
  enableMetadataOnFailures: boolean;
  ocspCacheSize: number;
  roleCacheSize: number;
}

/** Reads the settings, with Vault's defaults when never written. */
export async function readCertConfig(storage: Storage): Promise<CertConfig> {
  const raw = await storage.get(CONFIG_KEY);
  const stored = raw === undefined ? {} : (JSON.parse(raw.toString('utf8')) as Partial<CertConfig>);
  return {
    disableBinding: false,
    enableIdentityAliasMetadata: false,
    enableMetadataOnFailures: false,
    ocspCacheSize: 100,
    roleCacheSize: 200,
    ...stored,
  };
}

async function read(req: LogicalRequest): Promise<LogicalResponse> {
  const c = await readCertConfig(req.storage);
  return {
    data: {
      disable_binding: c.disableBinding,
      enable_identity_alias_metadata: c.enableIdentityAliasMetadata,
      enable_metadata_on_failures: c.enableMetadataOnFailures,
      ocsp_cache_size: c.ocspCacheSize,
      role_cache_size: c.roleCacheSize,
    },
  };
}

async function write(req: LogicalRequest, data: FieldData): Promise<undefined> {
  const c = await readCertConfig(req.storage);
  if (data.has('disable_binding')) c.disableBinding = data.bool('disable_binding');
  if (data.has('enable_identity_alias_metadata'))
    c.enableIdentityAliasMetadata = data.bool('enable_identity_alias_metadata');
  if (data.has('enable_metadata_on_failures'))
    c.enableMetadataOnFailures = data.bool('enable_metadata_on_failures');
  if (data.has('ocsp_cache_size')) {
    const size = data.int('ocsp_cache_size');
    if (size < 2 || size > 100_000)
      throw new InvalidRequestError('invalid ocsp cache size, must be >= 2 and <= 100000');
    c.ocspCacheSize = size;
  }
  if (data.has('role_cache_size')) {
    const size = data.int('role_cache_size');
    if (size === 0 || size < -1 || size > 100_000) {
      throw new InvalidRequestError(
        'invalid role cache size, must be <= 100000 and either -1 or greater than 0',
      );
    }
    c.roleCacheSize = size;
  }
  await req.storage.put(CONFIG_KEY, Buffer.from(JSON.stringify(c), 'utf8'));
  return undefined;
}

/** The config path of a cert auth mount. */
export const pathConfig: PathSpec = {
  pattern: '^config$',
  fields: {
    disable_binding: {
      kind: 'bool',
      description: 'Do not re-check the client certificate on token renewal.',
    },
    enable_identity_alias_metadata: {
      kind: 'bool',
      description: 'Copy the login metadata onto the identity alias.',
    },
    enable_metadata_on_failures: {
      kind: 'bool',
      description: 'Add certificate metadata to failed-login audit entries.',
    },
    ocsp_cache_size: { kind: 'int', description: 'The size of the OCSP response cache.' },
    role_cache_size: { kind: 'int', description: 'The size of the role cache (-1 disables it).' },
  },
  operations: { read, update: write },
  synopsis: 'Configures the cert auth method.',
};
