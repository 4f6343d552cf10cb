import type { Storage } from '../logical/types.js';
import { shortHex, uuid } from '../helper/random.js';
import { STORAGE_KEYS } from './storage-keys.js';

export interface ClusterInfo {
  readonly name: string;
  readonly id: string;
}

/** Loads the cluster's name and id (behind the barrier), creating them on first unseal. */
export async function loadClusterInfo(
  storage: Storage,
  configuredName: string | undefined,
): Promise<ClusterInfo> {
  const raw = await storage.get(STORAGE_KEYS.clusterInfo);
  if (raw !== undefined) {
    const stored = JSON.parse(raw.toString('utf8')) as ClusterInfo;
    return configuredName !== undefined && configuredName !== ''
      ? { ...stored, name: configuredName }
      : stored;
  }
  const info: ClusterInfo = { name: configuredName ?? `vault-cluster-${shortHex()}`, id: uuid() };
  await storage.put(STORAGE_KEYS.clusterInfo, Buffer.from(JSON.stringify(info), 'utf8'));
  return info;
}
