import type { ConsulStorageConfig } from '../../src/config/types.js';
import type { ConsulClientOptions } from '../client/client-types.js';
import { consulClientOptions } from '../contract.js';

/** What a ConsulBackend runs with, from the validated `storage "consul"` block (src/config/types.ts). */
export interface ConsulSettings {
  readonly client: ConsulClientOptions;
  /** KV prefix: no leading slash, ends in "/". */
  readonly prefix: string;
  readonly sessionTtlMs: number;
  readonly lockWaitMs: number;
  readonly lockDelayMs: number;
  readonly checkTtlMs: number;
}

/** The backend's settings; the config loader has already checked every value and filled the defaults. */
export function consulSettings(config: ConsulStorageConfig): ConsulSettings {
  return {
    client: consulClientOptions(config, {
      maxParallel: config.maxParallel,
      consistencyMode: config.consistencyMode,
    }),
    prefix: config.path,
    sessionTtlMs: config.sessionTtl * 1000,
    lockWaitMs: config.lockWaitTime * 1000,
    lockDelayMs: config.lockDelayMs,
    checkTtlMs: config.checkTtlMs,
  };
}
