import type { StorageConfig } from '../config/types.js';
import type { PhysicalBackend } from '../physical/types.js';
import { InmemBackend } from '../physical/inmem.js';

/** Builds the physical backend a configuration names. */
export function createStorage(config: StorageConfig): PhysicalBackend {
  switch (config.type) {
    case 'inmem':
      return new InmemBackend();
    case 'file':
    case 'consul':
      throw new Error(`storage "${config.type}" is not wired yet`);
  }
}
