import type { PhysicalBackend } from '../../physical/types.js';
import { STORAGE_KEYS } from '../storage-keys.js';

export interface SealConfig {
  readonly type: 'shamir';
  readonly secret_shares: number;
  readonly secret_threshold: number;
}

export async function readSealConfig(physical: PhysicalBackend): Promise<SealConfig | undefined> {
  const entry = await physical.get(STORAGE_KEYS.sealConfig);
  if (entry === undefined) return undefined;
  return JSON.parse(entry.value.toString('utf8')) as SealConfig;
}

export async function writeSealConfig(physical: PhysicalBackend, config: SealConfig): Promise<void> {
  await physical.put({ key: STORAGE_KEYS.sealConfig, value: Buffer.from(JSON.stringify(config), 'utf8') });
}
