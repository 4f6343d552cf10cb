import { hkdfSync } from 'node:crypto';
import type { PhysicalBackend, TxnOp } from '../../physical/types.js';
import type { Storage, StorageOp } from '../../logical/types.js';
import { SealedError, StorageError } from '../../helper/errors.js';
import { openBytes, sealBytes } from './crypto.js';
import { Keyring } from './keyring.js';
import { STORAGE_KEYS } from '../storage-keys.js';

/** The keyring is encrypted by the root key, not by itself. */
const KEYRING_PATH = STORAGE_KEYS.keyring;
const VERSION = 2; // value layout version: term(4) ‖ version(1) ‖ nonce(12) ‖ ciphertext ‖ tag(16)

/**
 * The encrypting barrier over untrusted physical storage. Every value is AES-256-GCM encrypted
 * with the keyring's active term; the storage path is the additional authenticated data, so a
 * ciphertext moved to another key fails to decrypt. Old terms keep decrypting after rotation.
 */
export class AesGcmBarrier implements Storage {
  private keyring: Keyring | undefined;
  private rootKey: Buffer | undefined;

  constructor(private readonly physical: PhysicalBackend) {}

  get sealed(): boolean {
    return this.keyring === undefined;
  }

  /** Creates the keyring under a fresh root key and stores it. The barrier stays sealed. */
  async initialize(rootKey: Buffer): Promise<void> {
    const keyring = Keyring.create();
    await this.physical.put({
      key: KEYRING_PATH,
      value: sealBytes(rootKey, keyring.serialize(), Buffer.from(KEYRING_PATH)),
    });
    keyring.wipe();
  }

  /** Loads the keyring with the root key; throws if the root key is wrong. */
  async unseal(rootKey: Buffer): Promise<void> {
    const entry = await this.physical.get(KEYRING_PATH);
    if (entry === undefined) throw new StorageError('the barrier keyring is missing from storage');
    const plain = openBytes(rootKey, entry.value, Buffer.from(KEYRING_PATH));
    this.keyring = Keyring.parse(plain);
    plain.fill(0);
    this.rootKey = Buffer.from(rootKey);
  }

  /** Re-reads the keyring (after another node rotated it, or on promotion). */
  async reloadKeyring(): Promise<void> {
    if (this.rootKey === undefined) throw new SealedError();
    await this.unseal(this.rootKey);
  }

  seal(): void {
    this.keyring?.wipe();
    this.keyring = undefined;
    this.rootKey?.fill(0);
    this.rootKey = undefined;
  }

  /** Adds a term and makes it active; returns the new term. */
  async rotate(): Promise<{ term: number; installTime: string }> {
    const keyring = this.requireKeyring();
    const rootKey = this.rootKey;
    if (rootKey === undefined) throw new SealedError();
    const next = keyring.rotate();
    await this.physical.put({
      key: KEYRING_PATH,
      value: sealBytes(rootKey, next.serialize(), Buffer.from(KEYRING_PATH)),
    });
    this.keyring = next;
    const active = next.activeKey();
    return { term: active.term, installTime: active.installTime };
  }

  /**
   * A 32-byte key for another purpose (`purpose` is the HKDF info), derived with HKDF-SHA256 from
   * the keyring's first term, which rotation never changes: every unsealed node of the cluster
   * derives the same key, and nothing outside the barrier can.
   */
  deriveKey(purpose: string): Buffer {
    const first = this.requireKeyring().keyFor(1);
    if (first === undefined) throw new StorageError('the barrier keyring has no first term');
    return Buffer.from(hkdfSync('sha256', first.key, Buffer.alloc(0), Buffer.from(purpose, 'utf8'), 32));
  }

  keyStatus(): { term: number; installTime: string; encryptions: number } {
    const active = this.requireKeyring().activeKey();
    return { term: active.term, installTime: active.installTime, encryptions: 0 };
  }

  encrypt(path: string, plaintext: Buffer): Buffer {
    const active = this.requireKeyring().activeKey();
    const header = Buffer.alloc(5);
    header.writeUInt32BE(active.term, 0);
    header.writeUInt8(VERSION, 4);
    return Buffer.concat([header, sealBytes(active.key, plaintext, Buffer.from(path, 'utf8'))]);
  }

  decrypt(path: string, value: Buffer): Buffer {
    const keyring = this.requireKeyring();
    if (value.length < 5) throw new StorageError(`value at "${path}" is too short to be barrier ciphertext`);
    const term = value.readUInt32BE(0);
    const version = value.readUInt8(4);
    if (version !== VERSION)
      throw new StorageError(`value at "${path}" has unknown barrier version ${version}`);
    const key = keyring.keyFor(term);
    if (key === undefined) throw new StorageError(`value at "${path}" uses unknown key term ${term}`);
    try {
      return openBytes(key.key, value.subarray(5), Buffer.from(path, 'utf8'));
    } catch (err) {
      throw new StorageError(`value at "${path}" failed authentication`, { cause: err });
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    this.requireKeyring();
    const entry = await this.physical.get(key);
    return entry === undefined ? undefined : this.decrypt(key, entry.value);
  }

  async put(key: string, value: Buffer): Promise<void> {
    await this.physical.put({ key, value: this.encrypt(key, value) });
  }

  async delete(key: string): Promise<void> {
    this.requireKeyring();
    await this.physical.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    this.requireKeyring();
    return this.physical.list(prefix);
  }

  /** Encrypts the puts and applies everything as one physical transaction. */
  async transaction(ops: readonly StorageOp[]): Promise<void> {
    this.requireKeyring();
    const physical = ops.map((o): TxnOp =>
      o.op === 'put'
        ? { op: 'put', entry: { key: o.key, value: this.encrypt(o.key, o.value) } }
        : { op: 'delete', key: o.key },
    );
    if (this.physical.transaction === undefined)
      throw new StorageError(`${this.physical.type} storage has no transactions`);
    await this.physical.transaction(physical);
  }

  private requireKeyring(): Keyring {
    if (this.keyring === undefined) throw new SealedError();
    return this.keyring;
  }
}
