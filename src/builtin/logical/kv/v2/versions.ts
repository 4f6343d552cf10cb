/**
 * kv version 2 storage model.
 *
 * Storage layout (inside the mount's view, behind the barrier; every value is JSON):
 *   config                     mount settings: { maxVersions, casRequired, deleteVersionAfter }
 *   metadata/<key>             one KeyMetadata per secret: settings, custom metadata and the
 *                              metadata of every live version. LIST metadata/<folder>/ is a
 *                              plain storage list of this prefix.
 *   versions/<sha256(key)>/<n> the data of version n: { data }. Keyed by a hash so that secret
 *                              names of any shape map to one flat folder per key; deleting a key
 *                              clears the whole folder, including blobs a failed prune left behind.
 *
 * A read is two storage gets (metadata, then the version). A write is one storage transaction:
 * the version, the metadata and the deletion of versions that fell out of the window. Where the
 * storage has no transactions, or the value is large (over 64 KiB: Consul bounds a transaction at
 * 512 KiB), it is the version first, then the metadata (so metadata never points at a missing
 * version), then the deletions.
 * Timestamps are kept as epoch milliseconds and rendered as RFC 3339 (Go's RFC3339Nano layout).
 */
import { createHash } from 'node:crypto';
import type { Storage, StorageOp } from '../../../../logical/types.js';

/** Versions kept per key when neither the key nor the mount says otherwise. */
export const DEFAULT_MAX_VERSIONS = 10;

/** Metadata of one version. */
export interface VersionMetadata {
  createdTime: number;
  /** When the version is (or will be) deleted; null while live with no deadline. */
  deletionTime: number | null;
  destroyed: boolean;
}

/** Everything known about one secret, stored at metadata/<key>. */
export interface KeyMetadata {
  key: string;
  versions: Record<string, VersionMetadata>;
  currentVersion: number;
  oldestVersion: number;
  createdTime: number;
  updatedTime: number;
  /** 0: use the mount's setting. */
  maxVersions: number;
  casRequired: boolean;
  /** Seconds; 0: use the mount's setting. */
  deleteVersionAfter: number;
  customMetadata: Record<string, string> | null;
}

/** Formats epoch milliseconds the way Go prints time.RFC3339Nano in UTC (trailing zeros trimmed). */
export function formatTime(ms: number | null): string {
  if (ms === null) return '';
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

/** Whether a version is deleted at `now` (a deletion deadline in the future is not yet a deletion). */
export function isDeleted(vm: VersionMetadata, now: number): boolean {
  return vm.deletionTime !== null && vm.deletionTime <= now;
}

/** The per-version metadata Vault returns next to data (read, write, patch, subkeys). */
export function versionView(
  meta: KeyMetadata,
  version: number,
  vm: VersionMetadata,
): Record<string, unknown> {
  return {
    created_time: formatTime(vm.createdTime),
    custom_metadata: customMetadataView(meta),
    deletion_time: formatTime(vm.deletionTime),
    destroyed: vm.destroyed,
    version,
  };
}

/** custom_metadata as Vault shows it: null when empty. */
export function customMetadataView(meta: KeyMetadata): Record<string, string> | null {
  return meta.customMetadata !== null && Object.keys(meta.customMetadata).length > 0
    ? meta.customMetadata
    : null;
}

export function metadataKey(key: string): string {
  return `metadata/${key}`;
}

function versionFolder(key: string): string {
  return `versions/${createHash('sha256').update(key, 'utf8').digest('hex')}/`;
}

export function versionKey(key: string, version: number): string {
  return `${versionFolder(key)}${version}`;
}

/** A fresh metadata record for a key that has none. */
export function newKeyMetadata(key: string, now: number): KeyMetadata {
  return {
    key,
    versions: {},
    currentVersion: 0,
    oldestVersion: 0,
    createdTime: now,
    updatedTime: now,
    maxVersions: 0,
    casRequired: false,
    deleteVersionAfter: 0,
    customMetadata: null,
  };
}

/**
 * Key metadata (versions, times, settings — never secret data) kept as JSON text per mount view,
 * so a read does not decrypt it again. Every metadata write and delete of the engine goes through
 * this file, and a mount's view lives as long as the mount on the active node (promotion builds new
 * views), so the cache is exact. Callers mutate what they read, hence a parse per read.
 */
const metadataCache = new WeakMap<Storage, Map<string, string>>();
const METADATA_CACHE_LIMIT = 10_000;

function cacheOf(storage: Storage): Map<string, string> {
  let m = metadataCache.get(storage);
  if (m === undefined) {
    m = new Map();
    metadataCache.set(storage, m);
  }
  return m;
}

export async function readKeyMetadata(storage: Storage, key: string): Promise<KeyMetadata | undefined> {
  const cache = cacheOf(storage);
  const hit = cache.get(key);
  if (hit !== undefined) return JSON.parse(hit) as KeyMetadata;
  const raw = await storage.get(metadataKey(key));
  if (raw === undefined) return undefined;
  const text = raw.toString('utf8');
  if (cache.size >= METADATA_CACHE_LIMIT) cache.clear();
  cache.set(key, text);
  return JSON.parse(text) as KeyMetadata;
}

export function writeKeyMetadata(storage: Storage, meta: KeyMetadata): Promise<void> {
  return storeMetadata(storage, meta, (value) => storage.put(metadataKey(meta.key), value));
}

/** Writes `meta` through `write` (given its stored bytes), keeping the metadata cache exact around it. */
async function storeMetadata(
  storage: Storage,
  meta: KeyMetadata,
  write: (value: Buffer) => Promise<void>,
): Promise<void> {
  const cache = cacheOf(storage);
  const text = JSON.stringify(meta);
  cache.delete(meta.key);
  await write(Buffer.from(text, 'utf8'));
  cache.set(meta.key, text);
}

export async function readVersionData(
  storage: Storage,
  key: string,
  version: number,
): Promise<Record<string, unknown> | undefined> {
  const raw = await storage.get(versionKey(key, version));
  if (raw === undefined) return undefined;
  return (JSON.parse(raw.toString('utf8')) as { data: Record<string, unknown> }).data;
}

/** Versions larger than this are written on their own, not in one transaction with the metadata. */
const TXN_VALUE_LIMIT = 64 * 1024;
/** Pruned versions deleted in the write's transaction; more are deleted after it. */
const TXN_PRUNE_LIMIT = 32;

/**
 * Stores version `version` of `meta.key` (already recorded in `meta` by addVersion) with `data`,
 * the metadata, and deletes the pruned versions `prune.from..prune.to`. Returns a warning when
 * pruning failed after the write had landed.
 */
export async function writeVersion(
  storage: Storage,
  meta: KeyMetadata,
  version: number,
  data: Record<string, unknown>,
  prune: { readonly from: number; readonly to: number },
): Promise<string | undefined> {
  const value = Buffer.from(JSON.stringify({ data }), 'utf8');
  const pruned = Math.max(0, prune.to - prune.from + 1);
  if (storage.transaction === undefined || value.length > TXN_VALUE_LIMIT || pruned > TXN_PRUNE_LIMIT) {
    await storage.put(versionKey(meta.key, version), value);
    await writeKeyMetadata(storage, meta);
    return pruned > 0 ? pruneVersions(storage, meta.key, prune.from, prune.to) : undefined;
  }
  const transaction = storage.transaction.bind(storage);
  await storeMetadata(storage, meta, (metadata) => {
    const ops: StorageOp[] = [
      { op: 'put', key: versionKey(meta.key, version), value },
      { op: 'put', key: metadataKey(meta.key), value: metadata },
    ];
    for (let v = prune.from; v <= prune.to; v++) ops.push({ op: 'delete', key: versionKey(meta.key, v) });
    return transaction(ops);
  });
  return undefined;
}

/** Removes a key entirely: every version blob under its folder, then its metadata. */
export async function deleteKey(storage: Storage, key: string): Promise<void> {
  const folder = versionFolder(key);
  for (const name of await storage.list(folder)) await storage.delete(folder + name);
  cacheOf(storage).delete(key);
  await storage.delete(metadataKey(key));
}

/**
 * Records a new version in `meta` and slides the max_versions window. Returns the new version
 * number and the range of versions that fell out of the window (their blobs must be deleted).
 */
export function addVersion(
  meta: KeyMetadata,
  vm: VersionMetadata,
  mountMaxVersions: number,
): { version: number; pruneFrom: number; pruneTo: number } {
  meta.currentVersion += 1;
  meta.versions[String(meta.currentVersion)] = vm;
  meta.updatedTime = vm.createdTime;
  const maxVersions =
    meta.maxVersions > 0 ? meta.maxVersions : mountMaxVersions > 0 ? mountMaxVersions : DEFAULT_MAX_VERSIONS;
  let pruneFrom = 0;
  let pruneTo = -1;
  if (meta.currentVersion - meta.oldestVersion >= maxVersions) {
    pruneTo = meta.currentVersion - maxVersions;
    pruneFrom = Math.max(meta.oldestVersion, 1);
    meta.versions = Object.fromEntries(Object.entries(meta.versions).filter(([v]) => Number(v) > pruneTo));
    meta.oldestVersion = pruneTo + 1;
  }
  return { version: meta.currentVersion, pruneFrom, pruneTo };
}

/**
 * Deletes the blobs of pruned versions, oldest first. A failure becomes a warning rather than an
 * error: the new version is already written, and the leftovers are unreachable and are cleared
 * when the key's metadata is deleted.
 */
export async function pruneVersions(
  storage: Storage,
  key: string,
  from: number,
  to: number,
): Promise<string | undefined> {
  try {
    for (let v = from; v <= to; v++) await storage.delete(versionKey(key, v));
    return undefined;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return `error occurred when cleaning up old versions, these will be cleaned up when the key is deleted: ${reason}`;
  }
}

/** The deletion deadline for a version created (or undeleted) at `from`: the smaller non-zero setting. */
export function deletionDeadline(from: number, mountSeconds: number, keySeconds: number): number | null {
  if (mountSeconds < 0) return null; // disabled on this mount
  const candidates = [mountSeconds, keySeconds].filter((s) => s > 0);
  if (candidates.length === 0) return null;
  return from + Math.min(...candidates) * 1000;
}
