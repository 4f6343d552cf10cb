import type { Storage } from '../../../../logical/types.js';
import { StorageError } from '../../../../helper/errors.js';
import type { KeyMetadata, VersionMetadata } from './versions.js';
import { isDeleted, readKeyMetadata, readVersionData } from './versions.js';

/** The outcome of looking a version up: absent, deleted/destroyed (metadata only), or live. */
export type LoadedVersion =
  | { readonly kind: 'missing' }
  | {
      readonly kind: 'gone';
      readonly meta: KeyMetadata;
      readonly version: number;
      readonly vm: VersionMetadata;
    }
  | {
      readonly kind: 'live';
      readonly meta: KeyMetadata;
      readonly version: number;
      readonly vm: VersionMetadata;
      readonly data: Record<string, unknown>;
    };

/**
 * Loads a version of a key (`requested` ≤ 0: the current one) in two storage gets. Reads take no
 * lock; if a concurrent destroy or prune removed the blob between the two gets, the metadata is
 * read again so that the answer reflects the new state instead of failing.
 */
export async function loadVersion(
  storage: Storage,
  key: string,
  requested: number,
  now: number,
): Promise<LoadedVersion> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const meta = await readKeyMetadata(storage, key);
    if (meta === undefined) return { kind: 'missing' };
    const version = requested > 0 ? requested : meta.currentVersion;
    const vm = meta.versions[String(version)];
    if (vm === undefined) return { kind: 'missing' };
    if (vm.destroyed || isDeleted(vm, now)) return { kind: 'gone', meta, version, vm };
    const data = await readVersionData(storage, key, version);
    if (data !== undefined) return { kind: 'live', meta, version, vm, data };
  }
  throw new StorageError(`could not find version data for a live version of "${key}"`);
}
