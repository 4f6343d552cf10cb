import { randomBytes } from 'node:crypto';

/** One encryption key of the barrier, identified by its term. */
export interface TermKey {
  readonly term: number;
  readonly key: Buffer;
  readonly installTime: string;
}

/**
 * The barrier's keyring: every term ever installed (old terms keep decrypting) and the active
 * term used for new writes. Serialized as JSON and stored encrypted by the root key.
 */
export class Keyring {
  private constructor(
    readonly activeTerm: number,
    private readonly keys: ReadonlyMap<number, TermKey>,
  ) {}

  static create(): Keyring {
    const first: TermKey = { term: 1, key: randomBytes(32), installTime: new Date().toISOString() };
    return new Keyring(1, new Map([[1, first]]));
  }

  keyFor(term: number): TermKey | undefined {
    return this.keys.get(term);
  }

  activeKey(): TermKey {
    const k = this.keys.get(this.activeTerm);
    if (k === undefined) throw new Error('keyring has no active key');
    return k;
  }

  /** A new keyring with one more term, which becomes active. */
  rotate(): Keyring {
    const term = this.activeTerm + 1;
    const next = new Map(this.keys);
    next.set(term, { term, key: randomBytes(32), installTime: new Date().toISOString() });
    return new Keyring(term, next);
  }

  get termCount(): number {
    return this.keys.size;
  }

  serialize(): Buffer {
    const keys = [...this.keys.values()].map((k) => ({
      term: k.term,
      key: k.key.toString('base64'),
      install_time: k.installTime,
    }));
    return Buffer.from(JSON.stringify({ active_term: this.activeTerm, keys }), 'utf8');
  }

  static parse(bytes: Buffer): Keyring {
    const raw = JSON.parse(bytes.toString('utf8')) as {
      active_term: number;
      keys: { term: number; key: string; install_time: string }[];
    };
    const keys = new Map<number, TermKey>();
    for (const k of raw.keys) {
      keys.set(k.term, { term: k.term, key: Buffer.from(k.key, 'base64'), installTime: k.install_time });
    }
    if (!keys.has(raw.active_term)) throw new Error('keyring active term is missing');
    return new Keyring(raw.active_term, keys);
  }

  /** Overwrites key material in memory (on seal). */
  wipe(): void {
    for (const k of this.keys.values()) k.key.fill(0);
  }
}
