/**
 * Physical storage: an untrusted key/value store. Everything that reaches it has passed through
 * the barrier (ciphertext) except the seal configuration and the encrypted keyring material.
 * Keys are slash-separated paths without a leading slash.
 */
export interface PhysicalEntry {
  readonly key: string;
  readonly value: Buffer;
}

export type TxnOp =
  { readonly op: 'put'; readonly entry: PhysicalEntry } | { readonly op: 'delete'; readonly key: string };

export interface PhysicalBackend {
  /** A short name for logs and seal-status `storage_type` ("inmem", "file", "consul"). */
  readonly type: string;
  get(key: string): Promise<PhysicalEntry | undefined>;
  put(entry: PhysicalEntry): Promise<void>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** One level below `prefix` (which ends in "/" or is ""): leaf names, and folder names ending in "/", sorted. */
  list(prefix: string): Promise<string[]>;
  /** Applies every operation or none. */
  transaction?(ops: readonly TxnOp[]): Promise<void>;
  /**
   * Forgets every cached read, for a backend that caches (src/physical/cache.ts). A node calls it
   * when it becomes active, since other nodes may have written meanwhile.
   */
  purge?(): void;
  /**
   * Reads `keys` into the read cache in one round trip, for a backend that caches and can batch
   * reads over the network (Consul, while this node holds the lock). A node calls it when it
   * becomes active, with what its promotion is about to read. Best effort: a failure only means
   * the reads go one by one.
   */
  prefetch?(keys: readonly string[]): Promise<void>;
  /** Releases connections and timers. */
  close?(): Promise<void>;
}

/** Validates a storage key: no empty segments, no "." or ".." segments, no leading slash, no NUL. */
export function assertValidKey(key: string): void {
  if (key === '' || key.startsWith('/') || key.includes('\0'))
    throw new Error(`invalid storage key "${key}"`);
  for (const segment of key.split('/').slice(0, -1)) {
    if (segment === '' || segment === '.' || segment === '..')
      throw new Error(`invalid storage key "${key}"`);
  }
  const last = key.split('/').at(-1);
  if (last === '.' || last === '..') throw new Error(`invalid storage key "${key}"`);
}

/** The key of the HA lock, below the backend's prefix (Consul: `<path>core/lock`). */
export const HA_LOCK_KEY = 'core/lock';

/** What a lock holder advertises in the lock key's value. */
export interface LeaderAdvertisement {
  readonly nodeId: string;
  readonly apiAddr: string;
  readonly clusterAddr: string;
}

/**
 * A leader lock held through the HA backend. `acquire` resolves once the lock is held and returns
 * a signal that aborts the moment the lock is lost (session invalidated, renewals failing past
 * the safety window, or a fenced write refused). It rejects if `cancel` aborts first.
 */
export interface HaLock {
  acquire(cancel: AbortSignal): Promise<AbortSignal>;
  /** Gives the lock up at once (no lock-delay for others) and destroys the session. */
  release(): Promise<void>;
  /**
   * Writes the advertisement into the held lock (a lock taken with `deferAdvertisement`); until
   * then the lock names no leader. Rejects when the lock is not held.
   */
  advertise(): Promise<void>;
  /** The backend's id of the current hold while held (Consul: the lock session), else undefined. */
  readonly holdId: string | undefined;
  /**
   * While `acquire` waits: takes the lock from the hold `holdId` of a holder known to be gone, in
   * one step (HaBackend.endHold and a new acquire in one), and lets `acquire` resolve. False when
   * `holdId` no longer holds the lock or this lock is not waiting; the caller then ends the hold.
   */
  takeOver?(holdId: string): Promise<boolean>;
}

/** Options of HaBackend.lock. */
export interface HaLockOptions {
  /**
   * Take the lock with a value that advertises nobody, and advertise only on `advertise()`: a node
   * promotes first, so that nothing (standbys, the resolver) names a node that cannot serve yet.
   */
  readonly deferAdvertisement?: boolean;
}

/** A physical backend that can elect a leader and fence the leader's writes. */
export interface HaBackend extends PhysicalBackend {
  readonly haEnabled: true;
  /** A lock on `key` whose value is the advertisement. While held, every write is fenced by it. */
  lock(key: string, advertisement: LeaderAdvertisement, options?: HaLockOptions): HaLock;
  /** The current holder's advertisement, or undefined when nobody holds the lock. */
  leader(key: string): Promise<LeaderAdvertisement | undefined>;
  /**
   * Calls `onChange` whenever the lock holder changes (blocking queries), with the backend's id of
   * that hold (see HaLock.holdId); returns a stop function.
   */
  watchLeader(
    key: string,
    onChange: (leader: LeaderAdvertisement | undefined, holdId: string | undefined) => void,
  ): () => void;
  /**
   * Ends another node's hold `holdId` on `key` because that node is known to be gone (its process
   * died, or it said it can no longer vouch for its hold): the key is free for the others at once
   * (after the backend's lock-delay). A hold that already ended is no error. If the holder was in
   * fact alive, its next write is refused by the fence and it demotes: a needless failover, never
   * a lost or doubled write.
   */
  endHold?(key: string, holdId: string): Promise<void>;
}

export function isHaBackend(b: PhysicalBackend): b is HaBackend {
  return (b as Partial<HaBackend>).haEnabled === true;
}
