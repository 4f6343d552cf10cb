import type { StorageConfig } from '../config/types.js';
import type { Logger } from '../helper/logger.js';
import type { PhysicalBackend } from '../physical/types.js';
import { InmemBackend } from '../physical/inmem.js';
import { FileBackend } from '../physical/file.js';
import { CachedBackend } from '../physical/cache.js';
import { ConsulBackend } from '../../consul/storage/backend.js';

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
      return new ConsulBackend(config, logger);
  }
}
