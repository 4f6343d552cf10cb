/**
 * kv v2 `metadata/<path>`: a secret's settings and version history.
 *
 *   GET    metadata/p → { cas_required, created_time, current_version, custom_metadata,
 *                         delete_version_after, max_versions, oldest_version, updated_time,
 *                         versions: { "1": { created_time, deletion_time, destroyed } } }
 *   POST   metadata/p { max_versions, cas_required, delete_version_after, custom_metadata } → 204
 *   PATCH  metadata/p  the same fields, merged into existing metadata (404 when none)
 *   DELETE metadata/p  every version and the metadata, permanently
 *   LIST   metadata/folder/
 */
import type { LogicalRequest, LogicalResponse } from '../../../../logical/types.js';
import type { PathSpec } from '../../../../framework/backend.js';
import type { FieldData } from '../../../../framework/field-data.js';
import { notFound } from '../../../../logical/not-found.js';
import { listResponse } from '../../../../framework/list-response.js';
import { mergePatch } from '../../../../framework/merge-patch.js';
import { formatDuration } from '../../../../helper/duration.js';
import { assertWritablePath, listPrefix } from '../secret-paths.js';
import type { KvV2Context } from './context.js';
import { checkMaxVersions, readConfig } from './path-config.js';
import { parseCustomMetadata, validateCustomMetadata } from './custom-metadata.js';
import type { KeyMetadata } from './versions.js';
import {
  customMetadataView,
  deleteKey,
  formatTime,
  metadataKey,
  newKeyMetadata,
  readKeyMetadata,
  writeKeyMetadata,
} from './versions.js';

const CAS_IGNORED_WARNING =
  '"cas_required" set to false, but is mandated by backend config. This value will be ignored.';

/** The settings a metadata write or patch carries. */
interface MetadataChanges {
  maxVersions?: number;
  casRequired?: boolean;
  deleteVersionAfter?: number;
  customMetadata?: Record<string, string | null>;
}

function readChanges(data: FieldData, patch: boolean): MetadataChanges {
  const changes: MetadataChanges = {};
  if (data.has('max_versions')) changes.maxVersions = checkMaxVersions(data.int('max_versions'));
  if (data.has('cas_required')) changes.casRequired = data.bool('cas_required');
  if (data.has('delete_version_after')) changes.deleteVersionAfter = data.duration('delete_version_after');
  const custom = data.has('custom_metadata') ? data.map('custom_metadata') : undefined;
  if (custom !== undefined) {
    changes.customMetadata = parseCustomMetadata(custom, patch);
    validateCustomMetadata(changes.customMetadata);
  }
  return changes;
}

function isEmpty(changes: MetadataChanges): boolean {
  return Object.keys(changes).length === 0;
}

function readView(meta: KeyMetadata): Record<string, unknown> {
  const versions: Record<string, unknown> = {};
  for (const [n, vm] of Object.entries(meta.versions)) {
    versions[n] = {
      created_time: formatTime(vm.createdTime),
      deletion_time: formatTime(vm.deletionTime),
      destroyed: vm.destroyed,
    };
  }
  return {
    cas_required: meta.casRequired,
    created_time: formatTime(meta.createdTime),
    current_version: meta.currentVersion,
    custom_metadata: customMetadataView(meta),
    delete_version_after: formatDuration(meta.deleteVersionAfter),
    max_versions: meta.maxVersions,
    oldest_version: meta.oldestVersion,
    updated_time: formatTime(meta.updatedTime),
    versions,
  };
}

/** The `metadata/<path>` path of a kv v2 mount. */
export function pathMetadata(ctx: KvV2Context): PathSpec {
  const read = async (req: LogicalRequest, data: FieldData): Promise<LogicalResponse | undefined> => {
    const key = data.string('path');
    if (key === '' || key.endsWith('/')) return undefined;
    const meta = await readKeyMetadata(req.storage, key);
    return meta === undefined ? undefined : { data: readView(meta) };
  };

  const list = async (req: LogicalRequest, data: FieldData): Promise<LogicalResponse | undefined> =>
    listResponse(await req.storage.list(metadataKey(listPrefix(data.string('path')))));

  /** Applies a write (replace custom_metadata) or a patch (merge it) under the key's lock. */
  const change = async (
    req: LogicalRequest,
    data: FieldData,
    patch: boolean,
  ): Promise<LogicalResponse | undefined> => {
    const key = data.string('path');
    assertWritablePath(key);
    const changes = readChanges(data, patch);
    if (isEmpty(changes) && !patch) return undefined;
    const config = await readConfig(req.storage);
    const warnings = changes.casRequired === false && config.casRequired ? [CAS_IGNORED_WARNING] : [];
    const found = await ctx.locks.run(key, async () => {
      let meta = await readKeyMetadata(req.storage, key);
      if (meta === undefined) {
        if (patch) return false;
        meta = newKeyMetadata(key, ctx.now());
      }
      if (changes.maxVersions !== undefined) meta.maxVersions = changes.maxVersions;
      if (changes.casRequired !== undefined) meta.casRequired = changes.casRequired;
      if (changes.deleteVersionAfter !== undefined) meta.deleteVersionAfter = changes.deleteVersionAfter;
      if (changes.customMetadata !== undefined) {
        const merged = patch
          ? mergePatch(meta.customMetadata ?? {}, changes.customMetadata)
          : changes.customMetadata;
        const pairs = merged as Record<string, string>;
        if (patch) validateCustomMetadata(pairs);
        meta.customMetadata = Object.keys(pairs).length === 0 ? null : pairs;
      }
      await writeKeyMetadata(req.storage, meta);
      return true;
    });
    if (!found) return notFound();
    return warnings.length > 0 ? { warnings } : undefined;
  };

  const remove = async (req: LogicalRequest, data: FieldData): Promise<undefined> => {
    const key = data.string('path');
    if (key === '' || key.endsWith('/')) return undefined;
    await ctx.locks.run(key, () => deleteKey(req.storage, key));
    return undefined;
  };

  const write = (req: LogicalRequest, data: FieldData): Promise<LogicalResponse | undefined> =>
    change(req, data, false);

  return {
    pattern: '^metadata/(?<path>.*)$',
    fields: {
      path: { kind: 'string', description: 'Location of the secret.', default: '' },
      max_versions: { kind: 'int', description: 'Versions to keep for this key (0: the mount setting).' },
      cas_required: { kind: 'bool', description: 'If true, writes to this key must carry the cas option.' },
      delete_version_after: {
        kind: 'duration',
        description: 'How long after creation a version of this key is deleted (0: the mount setting).',
      },
      custom_metadata: { kind: 'map', description: 'User key/value strings describing the secret.' },
    },
    operations: {
      read,
      list,
      create: write,
      update: write,
      patch: (req, data) => change(req, data, true),
      delete: remove,
    },
    existenceCheck: async (req, data) => {
      const key = data.string('path');
      if (key === '' || key.endsWith('/')) return false;
      return (await readKeyMetadata(req.storage, key)) !== undefined;
    },
    synopsis: 'Read and configure the metadata of a secret, or delete it with all its versions.',
  };
}
