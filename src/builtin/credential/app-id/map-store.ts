import type { Storage } from '../../../logical/types.js';
import type { MountSalt } from '../mount-salt.js';

/** The two App-ID mappings. */
export type MapKind = 'app-id' | 'user-id';

/** A mapping's stored fields: `value` (policies or app ids, comma-separated) and its extras. */
export type MapEntry = Record<string, string>;

/**
 * App-ID's mappings, keyed by the salted HMAC of the lowercased id (Vault's PathMap salts its keys
 * too): the ids are the credentials, so storage holds none of them in clear, and LIST shows
 * only the HMACs.
 */
export class MapStore {
  constructor(
    private readonly storage: Storage,
    private readonly salt: MountSalt,
  ) {}

  private async key(kind: MapKind, id: string): Promise<string> {
    return `map/${kind}/${await this.salt.hmac(kind, id.toLowerCase())}`;
  }

  async get(kind: MapKind, id: string): Promise<MapEntry | undefined> {
    if (id === '') return undefined;
    const raw = await this.storage.get(await this.key(kind, id));
    return raw === undefined ? undefined : (JSON.parse(raw.toString('utf8')) as MapEntry);
  }

  async put(kind: MapKind, id: string, entry: MapEntry): Promise<void> {
    await this.storage.put(await this.key(kind, id), Buffer.from(JSON.stringify(entry), 'utf8'));
  }

  async delete(kind: MapKind, id: string): Promise<void> {
    await this.storage.delete(await this.key(kind, id));
  }

  /** The HMACs of the mapped ids. */
  async list(kind: MapKind): Promise<string[]> {
    return (await this.storage.list(`map/${kind}/`)).filter((k) => !k.endsWith('/'));
  }
}
