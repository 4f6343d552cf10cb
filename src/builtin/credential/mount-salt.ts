import { createHmac, randomBytes } from 'node:crypto';
import type { Storage } from '../../logical/types.js';
import { Mutex } from '../../helper/mutex.js';

/** Storage key of the salt inside the mount's view. */
export const SALT_KEY = 'salt';

interface StoredSalt {
  readonly key: string;
}

/**
 * A per-mount random key for HMAC-SHA256 indexes: auth methods store their credentials (AppRole
 * role IDs and secret IDs, App-ID ids) only under `hmac(salt, purpose + value)`, never in clear.
 * The key is created on first use and kept in the mount's own storage (behind the barrier), so it
 * survives restarts and travels with the mount; the purpose prefix keeps each index separate.
 */
export class MountSalt {
  private key: Buffer | undefined;
  private readonly once = new Mutex();

  constructor(private readonly storage: Storage) {}

  /** Hex HMAC-SHA256 of `purpose:value` under the mount's salt. */
  async hmac(purpose: string, value: string): Promise<string> {
    const key = await this.load();
    return createHmac('sha256', key).update(`${purpose}:${value}`, 'utf8').digest('hex');
  }

  private async load(): Promise<Buffer> {
    if (this.key !== undefined) return this.key;
    return this.once.run(async () => {
      if (this.key !== undefined) return this.key;
      const raw = await this.storage.get(SALT_KEY);
      if (raw !== undefined) {
        const stored = JSON.parse(raw.toString('utf8')) as StoredSalt;
        this.key = Buffer.from(stored.key, 'base64');
      } else {
        const key = randomBytes(32);
        const stored: StoredSalt = { key: key.toString('base64') };
        await this.storage.put(SALT_KEY, Buffer.from(JSON.stringify(stored), 'utf8'));
        this.key = key;
      }
      return this.key;
    });
  }
}
