import type { ConsulStorageConfig, StorageConfig } from '../config/types.js';
import type { Logger } from '../helper/logger.js';
import type { PhysicalBackend } from '../physical/types.js';
import { InmemBackend } from '../physical/inmem.js';
import { FileBackend } from '../physical/file.js';
import { CachedBackend } from '../physical/cache.js';
import { ConsulBackend } from '../physical/consul/backend.js';
import type { ConsulBackendConfig } from '../physical/consul/options.js';

/** The normalised `storage "consul"` block in the backend's own (Vault-style) terms. */
export function consulBackendConfig(c: ConsulStorageConfig): ConsulBackendConfig {
  return {
    address: c.address,
    scheme: c.scheme,
    path: c.path,
    ...(c.token === undefined ? {} : { token: c.token }),
    session_ttl: `${c.sessionTtl}s`,
    lock_wait_time: `${c.lockWaitTime}s`,
    max_parallel: c.maxParallel,
    consistency_mode: c.consistencyMode,
    ...(c.tls.caFile === undefined ? {} : { tls_ca_file: c.tls.caFile }),
    ...(c.tls.certFile === undefined ? {} : { tls_cert_file: c.tls.certFile }),
    ...(c.tls.keyFile === undefined ? {} : { tls_key_file: c.tls.keyFile }),
    tls_skip_verify: c.tls.skipVerify,
    tls_min_version: c.tls.minVersion,
    lock_delay: `${c.lockDelayMs}ms`,
    check_ttl: `${c.checkTtlMs}ms`,
  };
}

/** Builds the physical backend a configuration names (file storage behind a read cache unless disabled). */
export function createStorage(config: StorageConfig, logger: Logger, disableCache = false): PhysicalBackend {
  switch (config.type) {
    case 'inmem':
      return new InmemBackend();
    case 'file': {
      const file = new FileBackend({ path: config.path });
      return disableCache ? file : new CachedBackend(file);
    }
    case 'consul':
      // No read cache: another node may write between this node's reads.
      return new ConsulBackend(consulBackendConfig(config), logger);
  }
}
