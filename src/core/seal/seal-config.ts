import type { PhysicalBackend } from '../../physical/types.js';

/** Where the (unencrypted) seal configuration lives; it holds no secret. */
export const SEAL_CONFIG_PATH = 'core/seal-config';

export interface SealConfig {
  readonly type: 'shamir';
  readonly secret_shares: number;
  readonly secret_threshold: number;
}

export async function readSealConfig(physical: PhysicalBackend): Promise<SealConfig | undefined> {
  const entry = await physical.get(SEAL_CONFIG_PATH);
  if (entry === undefined) return undefined;
  return JSON.parse(entry.value.toString('utf8')) as SealConfig;
}

export async function writeSealConfig(physical: PhysicalBackend, config: SealConfig): Promise<void> {
  await physical.put({ key: SEAL_CONFIG_PATH, value: Buffer.from(JSON.stringify(config), 'utf8') });
}
