/**
 * kv v2 `subkeys/<path>[?version=N&depth=D]`: the structure of a version with every leaf value
 * replaced by null — `{ subkeys, metadata }`. depth 0 means no limit; at the given depth nested
 * maps are cut off (shown as null). Deleted or destroyed versions answer 404 with the metadata.
 */
import type { LogicalRequest, LogicalResponse } from '../../../../logical/types.js';
import type { PathSpec } from '../../../../framework/backend.js';
import type { FieldData } from '../../../../framework/field-data.js';
import { InvalidRequestError } from '../../../../helper/errors.js';
import type { KvV2Context } from './context.js';
import { loadVersion } from './load-version.js';
import { versionView } from './versions.js';

/** Replaces every leaf with null; maps deeper than `maxDepth` (0: unlimited) become leaves. */
export function subkeysOf(
  input: Readonly<Record<string, unknown>>,
  maxDepth: number,
  depth = 1,
): Record<string, unknown> {
  // Object.fromEntries defines own properties, so a "__proto__" key stays an ordinary key.
  return Object.fromEntries(
    Object.entries(input).map(([key, value]) => {
      const isMap = typeof value === 'object' && value !== null && !Array.isArray(value);
      const nested = isMap ? (value as Record<string, unknown>) : undefined;
      const descend =
        nested !== undefined && Object.keys(nested).length > 0 && (maxDepth === 0 || depth + 1 <= maxDepth);
      return [key, descend ? subkeysOf(nested, maxDepth, depth + 1) : null];
    }),
  );
}

/** The `subkeys/<path>` path of a kv v2 mount. */
export function pathSubkeys(ctx: KvV2Context): PathSpec {
  const read = async (req: LogicalRequest, data: FieldData): Promise<LogicalResponse | undefined> => {
    const depth = data.int('depth');
    if (depth < 0)
      throw new InvalidRequestError("'depth' must be zero (no limit) or a positive nesting level");
    const loaded = await loadVersion(req.storage, data.string('path'), data.int('version'), ctx.now());
    if (loaded.kind === 'missing') return undefined;
    const metadata = versionView(loaded.meta, loaded.version, loaded.vm);
    if (loaded.kind === 'gone') return { statusCode: 404, data: { subkeys: null, metadata } };
    return { data: { subkeys: subkeysOf(loaded.data, depth), metadata } };
  };
  return {
    pattern: '^subkeys/(?<path>.*)$',
    fields: {
      path: { kind: 'string', description: 'Location of the secret.', default: '' },
      version: { kind: 'int', description: 'The version to read (default: the current one).' },
      depth: { kind: 'int', description: 'The deepest nesting level to show (0: no limit).' },
    },
    operations: { read },
    synopsis: 'Read the structure of a secret with its values removed.',
  };
}
