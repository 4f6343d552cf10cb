import type { PhysicalBackend } from '../../physical/types.js';
import { InvalidRequestError } from '../../helper/errors.js';
import { STORAGE_KEYS } from '../storage-keys.js';

/** The first stored key found (depth first, in list order), or undefined when the storage holds none. */
export async function firstStoredKey(physical: PhysicalBackend): Promise<string | undefined> {
  const folders = [''];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    const names = await physical.list(folder);
    const leaf = names.find((n) => !n.endsWith('/'));
    if (leaf !== undefined) return folder + leaf;
    for (const name of names.reverse()) folders.push(folder + name);
  }
  return undefined;
}

/**
 * Refuses to initialise storage that already holds anything (under this node's storage, i.e. below
 * the Consul `path` prefix or inside the file storage directory). Storage without a seal
 * configuration but with data is a damaged or half-initialised barrier (a lost or deleted
 * core/seal-config, an interrupted sys/init): initialising over it would replace the keyring and
 * orphan every secret, so the operator has to decide, never this endpoint.
 */
export async function assertNoExistingData(physical: PhysicalBackend): Promise<void> {
  const key = await firstStoredKey(physical);
  if (key === undefined) return;
  throw new InvalidRequestError(
    `Vault is not initialized, but its ${physical.type} storage already holds data (for example "${key}") and ` +
      `initializing would destroy it: restore the seal configuration (${STORAGE_KEYS.sealConfig}) from a backup, or, ` +
      'if this storage really is disposable, empty it before initializing',
  );
}
