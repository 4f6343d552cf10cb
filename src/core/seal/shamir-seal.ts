import { randomBytes } from 'node:crypto';
import type { PhysicalBackend } from '../../physical/types.js';
import { InvalidRequestError, StorageError } from '../../helper/errors.js';
import { openBytes, sealBytes } from '../barrier/crypto.js';
import { combineShares, splitSecret } from './shamir.js';
import type { SealConfig } from './seal-config.js';
import { readSealConfig, writeSealConfig } from './seal-config.js';
import { STORAGE_KEYS } from '../storage-keys.js';

/** The root key, encrypted by the unseal key that the Shamir shares reconstruct. */
const ROOT_KEY_PATH = STORAGE_KEYS.rootKey;

export interface InitParams {
  readonly secretShares: number;
  readonly secretThreshold: number;
}

/** Checks Vault's rules for shares and threshold; every violation is a 400 naming the field. */
export function validateInitParams(p: InitParams): void {
  const { secretShares: n, secretThreshold: t } = p;
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidRequestError('secret_shares must be an integer of at least 1');
  if (n > 255) throw new InvalidRequestError('secret_shares must be at most 255');
  if (!Number.isInteger(t) || t < 1)
    throw new InvalidRequestError('secret_threshold must be an integer of at least 1');
  if (t > n) throw new InvalidRequestError('secret_threshold cannot be larger than secret_shares');
  if (n > 1 && t === 1)
    throw new InvalidRequestError('secret_threshold must be greater than one for multiple shares');
}

/**
 * The Shamir seal: guards the root key with an unseal key split into shares. Only the seal
 * configuration (no secret) and the encrypted root key are stored outside the barrier.
 */
export class ShamirSeal {
  readonly type = 'shamir';

  constructor(private readonly physical: PhysicalBackend) {}

  config(): Promise<SealConfig | undefined> {
    return readSealConfig(this.physical);
  }

  /** Creates the unseal key, stores the root key under it, and returns the shares. */
  async initialize(p: InitParams, rootKey: Buffer): Promise<Buffer[]> {
    validateInitParams(p);
    const unsealKey = randomBytes(32);
    try {
      await this.physical.put({
        key: ROOT_KEY_PATH,
        value: sealBytes(unsealKey, rootKey, Buffer.from(ROOT_KEY_PATH)),
      });
      const shares = await splitSecret(unsealKey, p.secretShares, p.secretThreshold);
      await writeSealConfig(this.physical, {
        type: 'shamir',
        secret_shares: p.secretShares,
        secret_threshold: p.secretThreshold,
      });
      return shares;
    } finally {
      unsealKey.fill(0);
    }
  }

  /** Combines shares into the unseal key and decrypts the root key; a wrong combination is a 400. */
  async recoverRootKey(shares: readonly Buffer[]): Promise<Buffer> {
    const entry = await this.physical.get(ROOT_KEY_PATH);
    if (entry === undefined) throw new StorageError('the encrypted root key is missing from storage');
    let unsealKey: Buffer;
    try {
      unsealKey = await combineShares(shares);
    } catch (err) {
      throw new InvalidRequestError('Unseal failed, invalid key', { cause: err });
    }
    try {
      return openBytes(unsealKey, entry.value, Buffer.from(ROOT_KEY_PATH));
    } catch (err) {
      throw new InvalidRequestError('Unseal failed, invalid key', { cause: err });
    } finally {
      unsealKey.fill(0);
    }
  }
}
