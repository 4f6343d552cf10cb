import { createHmac, randomBytes } from 'node:crypto';
import type { Storage } from '../../logical/types.js';

const SALT_KEY = 'salt';

/**
 * A per-cluster salt kept behind the barrier. `hash` turns a secret (token id, accessor) into
 * the only form that reaches storage: "h" + hex(HMAC-SHA256(salt, value)).
 */
export class Salt {
  private constructor(private readonly key: Buffer) {}

  static async load(storage: Storage): Promise<Salt> {
    const existing = await storage.get(SALT_KEY);
    if (existing !== undefined) return new Salt(existing);
    const key = randomBytes(32);
    await storage.put(SALT_KEY, key);
    return new Salt(key);
  }

  hash(value: string): string {
    return 'h' + createHmac('sha256', this.key).update(value).digest('hex');
  }
}
