/**
 * kv v2 `delete/<path>`, `undelete/<path>` and `destroy/<path>`, each `{ versions: [...] }` → 204.
 * delete marks versions deleted (reversible); undelete clears the mark (and restarts any
 * delete_version_after deadline); destroy removes the data for good and marks them destroyed.
 * Unknown keys and versions are ignored, as in Vault.
 */
import type { LogicalRequest } from '../../../../logical/types.js';
import type { PathSpec } from '../../../../framework/backend.js';
import type { FieldData } from '../../../../framework/field-data.js';
import { InvalidRequestError } from '../../../../helper/errors.js';
import type { KvV2Context } from './context.js';
import { readConfig } from './path-config.js';
import type { KeyMetadata } from './versions.js';
import { deletionDeadline, isDeleted, readKeyMetadata, versionKey, writeKeyMetadata } from './versions.js';

/** Parses `versions` like Vault's TypeCommaIntSlice: [1, "2"], "1,2" or 3. */
function parseVersions(raw: unknown): number[] {
  if (raw === undefined || raw === null) return [];
  const items = Array.isArray(raw) ? (raw as unknown[]) : typeof raw === 'string' ? raw.split(',') : [raw];
  const out: number[] = [];
  for (const item of items) {
    const text = typeof item === 'number' ? String(item) : typeof item === 'string' ? item.trim() : '';
    if (text === '') continue;
    if (!/^\d+$/.test(text))
      throw new InvalidRequestError(
        `'versions' must be a list of version numbers, got ${JSON.stringify(item)}`,
      );
    out.push(Number.parseInt(text, 10));
  }
  return out;
}

/** Changes one version's metadata in place; true when something changed. */
type Mutation = (meta: KeyMetadata, version: string, now: number) => boolean;

function versionsPath(
  ctx: KvV2Context,
  verb: string,
  missingMessage: string,
  mutate: (req: LogicalRequest) => Promise<Mutation>,
  after?: (req: LogicalRequest, key: string, meta: KeyMetadata, versions: readonly number[]) => Promise<void>,
): PathSpec {
  const update = async (req: LogicalRequest, data: FieldData): Promise<undefined> => {
    const key = data.string('path');
    const versions = parseVersions(data.value('versions'));
    if (versions.length === 0) throw new InvalidRequestError(missingMessage);
    const apply = await mutate(req);
    await ctx.locks.run(key, async () => {
      const meta = await readKeyMetadata(req.storage, key);
      if (meta === undefined) return;
      const now = ctx.now();
      const touched: number[] = [];
      for (const v of versions) if (apply(meta, String(v), now)) touched.push(v);
      if (touched.length > 0) await writeKeyMetadata(req.storage, meta);
      if (after !== undefined) await after(req, key, meta, versions);
    });
    return undefined;
  };
  return {
    pattern: `^${verb}/(?<path>.*)$`,
    fields: {
      path: { kind: 'string', description: 'Location of the secret.', default: '' },
      versions: { kind: 'any', description: `The versions to ${verb}.` },
    },
    operations: { update },
    synopsis: `${verb[0]?.toUpperCase() ?? ''}${verb.slice(1)}s one or more versions of a secret.`,
  };
}

/** `delete/<path>`: soft-deletes the given versions. */
export function pathDelete(ctx: KvV2Context): PathSpec {
  return versionsPath(ctx, 'delete', 'No version number provided', () =>
    Promise.resolve((meta, v, now) => {
      const vm = meta.versions[v];
      if (vm === undefined || vm.destroyed || isDeleted(vm, now)) return false;
      vm.deletionTime = now;
      return true;
    }),
  );
}

/** `undelete/<path>`: restores soft-deleted versions. */
export function pathUndelete(ctx: KvV2Context): PathSpec {
  return versionsPath(ctx, 'undelete', 'No version number provided', async (req) => {
    const config = await readConfig(req.storage);
    return (meta, v, now) => {
      const vm = meta.versions[v];
      if (vm === undefined || vm.destroyed) return false;
      vm.deletionTime = deletionDeadline(now, config.deleteVersionAfter, meta.deleteVersionAfter);
      return true;
    };
  });
}

/** `destroy/<path>`: permanently removes the data of the given versions. */
export function pathDestroy(ctx: KvV2Context): PathSpec {
  return versionsPath(
    ctx,
    'destroy',
    'no version number provided',
    () =>
      Promise.resolve((meta, v) => {
        const vm = meta.versions[v];
        if (vm === undefined || vm.destroyed) return false;
        vm.destroyed = true;
        return true;
      }),
    async (req, key, meta, versions) => {
      // Metadata first (already written), then the data: a crash in between leaves unreachable
      // blobs, never a "live" version without data; repeating the call clears them.
      for (const v of versions) {
        if (meta.versions[String(v)]?.destroyed === true) await req.storage.delete(versionKey(key, v));
      }
    },
  );
}
