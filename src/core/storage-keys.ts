/**
 * The storage key layout: every key and top-level prefix the server writes, relative to the
 * storage root (the file storage directory, or the Consul KV `path`). Each entry says how its value
 * is protected:
 * - plain: written to physical storage as it is (it holds no secret);
 * - sealed: AES-256-GCM under a key that is not the barrier's (src/core/seal/shamir-seal.ts,
 *   src/core/barrier/aes-gcm-barrier.ts), bound to its key;
 * - barrier: written through the barrier, ciphertext bound to its key (src/core/barrier/aes-gcm-barrier.ts).
 * The layout inside a prefix belongs to the store named in its entry. Changing any value here
 * orphans existing data: every value is part of the on-disk and in-Consul format.
 */
import { HA_LOCK_KEY } from '../physical/types.js';

export const STORAGE_KEYS = {
  /** plain — the seal configuration (type, shares, threshold); absent means not initialised. */
  sealConfig: 'core/seal-config',
  /** sealed under the unseal key — the root key (src/core/seal/shamir-seal.ts). */
  rootKey: 'core/root-key',
  /** sealed under the root key — the barrier keyring, one data key per term. */
  keyring: 'core/keyring',
  /** plain — the HA lock (src/physical/types.ts); its value is the holder's advertisement (consul/contract.ts). */
  haLock: HA_LOCK_KEY,
  /** barrier — the cluster's name and id (src/core/cluster-info.ts). */
  clusterInfo: 'core/cluster/local/info',
  /** barrier — the secrets engine mount table, JSON (src/core/routing/mount-table.ts). */
  mountTable: 'core/mounts',
  /** barrier — the auth method mount table, JSON (src/core/routing/mount-table.ts). */
  authTable: 'core/auth',
  /** barrier — the audit device table, JSON (src/core/audit/audit-table.ts). */
  auditTable: 'core/audit',
  /** barrier — the request headers audit entries record, JSON (src/core/audit/audited-headers.ts). */
  auditedHeaders: 'core/audited-headers',
  /**
   * barrier — the system backend's view; every `sys/…` prefix below lies inside it
   * (src/core/system/index.ts).
   */
  system: 'sys/',
  /**
   * barrier — the token store: `id/<salted id>`, `accessor/<salted accessor>`,
   * `parent/<salted parent>/<salted child>`, the salt at `salt` (src/core/token/token-store.ts);
   * also the token auth backend's view, with `roles/<name>` (src/core/token/path-roles.ts).
   */
  tokens: 'sys/token/',
  /** barrier — ACL policies at `policy/<name>` (src/core/policy/policy-store.ts). */
  policies: 'sys/policy/',
  /**
   * barrier — leases: `id/<lease id>`, a per-token index `token/<salted token>/<hash>` and the
   * expiry index `time/<minute>/<hash>` (src/core/expiration/expiration-manager.ts).
   */
  leases: 'sys/expire/',
  /** barrier — failed-login counters at `<mount accessor>/<identity hash>` (src/core/lockout/user-lockout.ts). */
  lockout: 'sys/lockout/',
  /** barrier — wrapped responses at `<cubbyhole id of the wrapping token>` (src/core/wrapping/wrapper.ts). */
  wrapping: 'sys/wrapping/',
} as const;

/**
 * Every key a node reads as it becomes active, before it serves (Core's activation: the keyring,
 * the token salt, the default policy, the two mount tables, the audit table and audited headers; each device's salt
 * is read after), so that storage can fetch them in one
 * round trip (PhysicalBackend.prefetch). test/unit/core/activation-reads.test.ts fails when the
 * activation reads a key missing here, or no longer reads one listed.
 */
export const ACTIVATION_READS: readonly string[] = [
  STORAGE_KEYS.keyring,
  `${STORAGE_KEYS.tokens}salt`,
  `${STORAGE_KEYS.policies}policy/default`,
  STORAGE_KEYS.mountTable,
  STORAGE_KEYS.authTable,
  STORAGE_KEYS.auditTable,
  STORAGE_KEYS.auditedHeaders,
];

/**
 * barrier — the private view of a secrets engine mount, `logical/<mount uuid>/` (the cubbyhole
 * mount keeps `<cubbyhole id>/…` per token there).
 */
export function logicalMountPrefix(mountUuid: string): string {
  return `logical/${mountUuid}/`;
}

/** barrier — the storage of an audit device, `audit/<device uuid>/` (its salt at `salt`). */
export function auditDevicePrefix(deviceUuid: string): string {
  return `audit/${deviceUuid}/`;
}

/** barrier — the private view of an auth method mount, `auth/<mount uuid>/`. */
export function authMountPrefix(mountUuid: string): string {
  return `auth/${mountUuid}/`;
}
