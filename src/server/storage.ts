import type { StorageConfig } from '../config/types.js';
import type { PhysicalBackend } from '../physical/types.js';
import { InmemBackend } from '../physical/inmem.js';
import { FileBackend } from '../physical/file.js';
import { CachedBackend } from '../physical/cache.js';

/** Builds the physical backend a configuration names (file storage behind a read cache unless disabled). */
export function createStorage(config: StorageConfig, disableCache = false): PhysicalBackend {
  switch (config.type) {
    case 'inmem':
      return new InmemBackend();
    case 'file': {
      const file = new FileBackend({ path: config.path });
      return disableCache ? file : new CachedBackend(file);
    }
    case 'consul':
      throw new Error(`storage "${config.type}" is not wired yet`);
  }
}
