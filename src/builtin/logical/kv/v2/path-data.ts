/**
 * kv v2 `data/<path>`: read a version, write a new one (with check-and-set), patch the latest,
 * soft-delete the latest.
 *
 *   GET    data/p[?version=N] → { data, metadata: {created_time, custom_metadata, deletion_time,
 *                               destroyed, version} }; a deleted or destroyed version answers 404
 *                               with the same body and `data: null`.
 *   POST   data/p { data, options: { cas } } → 200, the new version's metadata
 *   PATCH  data/p { data, options: { cas } } → JSON merge patch of the latest version
 *   DELETE data/p → soft-deletes the latest version (204)
 */
import type { LogicalRequest, LogicalResponse, Storage } from '../../../../logical/types.js';
import type { PathSpec } from '../../../../framework/backend.js';
import type { FieldData } from '../../../../framework/field-data.js';
import { mergePatch } from '../../../../framework/merge-patch.js';
import { InvalidRequestError } from '../../../../helper/errors.js';
import { notFound } from '../../../../logical/not-found.js';
import type { KvV2Context } from './context.js';
import type { KvConfig } from './path-config.js';
import { readConfig } from './path-config.js';
import { loadVersion } from './load-version.js';
import type { KeyMetadata } from './versions.js';
import {
  addVersion,
  deletionDeadline,
  isDeleted,
  newKeyMetadata,
  readKeyMetadata,
  versionView,
  writeKeyMetadata,
  writeVersion,
} from './versions.js';

/** Parses options.cas the way Vault's weak decoding does: an integer or a numeric string. */
function casOption(data: FieldData): number | undefined {
  const options = data.map('options');
  const raw = options?.cas;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
  if (typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw)) return Number.parseInt(raw, 10);
  throw new InvalidRequestError('error parsing check-and-set parameter');
}

/** Enforces check-and-set: a given cas must equal the current version; cas_required demands one. */
export function checkCas(data: FieldData, config: KvConfig, meta: KeyMetadata): void {
  const cas = casOption(data);
  if (cas !== undefined) {
    if (cas !== meta.currentVersion) {
      throw new InvalidRequestError('check-and-set parameter did not match the current version');
    }
  } else if (config.casRequired || meta.casRequired) {
    throw new InvalidRequestError('check-and-set parameter required for this call');
  }
}

/** Writes `payload` as the key's next version, slides the window, and answers with its metadata. */
async function commitVersion(
  ctx: KvV2Context,
  storage: Storage,
  config: KvConfig,
  meta: KeyMetadata,
  payload: Record<string, unknown>,
): Promise<LogicalResponse> {
  const now = ctx.now();
  const vm = {
    createdTime: now,
    deletionTime: deletionDeadline(now, config.deleteVersionAfter, meta.deleteVersionAfter),
    destroyed: false,
  };
  const { version, pruneFrom, pruneTo } = addVersion(meta, vm, config.maxVersions);
  const warning = await writeVersion(storage, meta, version, payload, { from: pruneFrom, to: pruneTo });
  return { data: versionView(meta, version, vm), ...(warning === undefined ? {} : { warnings: [warning] }) };
}

function requireData(data: FieldData): Record<string, unknown> {
  const payload = data.has('data') ? data.map('data') : undefined;
  if (payload === undefined) throw new InvalidRequestError('no data provided');
  return payload;
}

/** The `data/<path>` path of a kv v2 mount. */
export function pathData(ctx: KvV2Context): PathSpec {
  const read = async (req: LogicalRequest, data: FieldData): Promise<LogicalResponse | undefined> => {
    const loaded = await loadVersion(req.storage, data.string('path'), data.int('version'), ctx.now());
    if (loaded.kind === 'missing') return undefined;
    const metadata = versionView(loaded.meta, loaded.version, loaded.vm);
    if (loaded.kind === 'gone') return { statusCode: 404, data: { data: null, metadata } };
    return { data: { data: loaded.data, metadata } };
  };

  const write = async (req: LogicalRequest, data: FieldData): Promise<LogicalResponse> => {
    const key = data.string('path');
    const payload = requireData(data);
    return ctx.locks.run(key, async () => {
      const config = await readConfig(req.storage);
      const meta = (await readKeyMetadata(req.storage, key)) ?? newKeyMetadata(key, ctx.now());
      checkCas(data, config, meta);
      return commitVersion(ctx, req.storage, config, meta, payload);
    });
  };

  const patch = async (req: LogicalRequest, data: FieldData): Promise<LogicalResponse> => {
    const key = data.string('path');
    const changes = requireData(data);
    return ctx.locks.run(key, async () => {
      const meta = await readKeyMetadata(req.storage, key);
      if (meta === undefined) return notFound();
      const config = await readConfig(req.storage);
      checkCas(data, config, meta);
      const loaded = await loadVersion(req.storage, key, meta.currentVersion, ctx.now());
      if (loaded.kind === 'missing') return notFound();
      if (loaded.kind === 'gone')
        return { statusCode: 404, data: versionView(loaded.meta, loaded.version, loaded.vm) };
      const patched = mergePatch(loaded.data, changes) as Record<string, unknown>;
      return commitVersion(ctx, req.storage, config, loaded.meta, patched);
    });
  };

  const remove = async (req: LogicalRequest, data: FieldData): Promise<undefined> => {
    const key = data.string('path');
    await ctx.locks.run(key, async () => {
      const meta = await readKeyMetadata(req.storage, key);
      const latest = meta?.versions[String(meta.currentVersion)];
      if (meta === undefined || latest === undefined || latest.destroyed || isDeleted(latest, ctx.now()))
        return;
      latest.deletionTime = ctx.now();
      await writeKeyMetadata(req.storage, meta);
    });
    return undefined;
  };

  return {
    pattern: '^data/(?<path>.*[^/])$',
    fields: {
      path: { kind: 'string', description: 'Location of the secret.' },
      version: { kind: 'int', description: 'The version to read (default: the current one).' },
      options: { kind: 'map', description: 'Write options; "cas" makes the write a check-and-set.' },
      data: { kind: 'map', description: 'The secret: a map stored as the new version.' },
    },
    operations: { read, create: write, update: write, patch, delete: remove },
    existenceCheck: async (req, data) =>
      (await readKeyMetadata(req.storage, data.string('path'))) !== undefined,
    synopsis: 'Write, patch, read and delete versions of a secret.',
  };
}
