/**
 * kv version 2: versioned secrets with metadata, check-and-set, soft delete and destroy.
 * The storage model is described in versions.ts.
 */
import type { LogicalBackend } from '../../../../logical/types.js';
import { defineBackend } from '../../../../framework/backend.js';
import { assertSafePath } from '../../../../framework/safe-path.js';
import type { KvV2Context } from './context.js';
import { KeyLocks } from './context.js';
import { pathConfig } from './path-config.js';
import { pathData } from './path-data.js';
import { pathDelete, pathDestroy, pathUndelete } from './path-delete.js';
import { pathMetadata } from './path-metadata.js';
import { pathSubkeys } from './path-subkeys.js';
import { pathV1Warning } from './v1-path-warning.js';

/** Options for tests: an injectable clock (epoch milliseconds). */
export interface KvV2Options {
  readonly now?: () => number;
}

/** Builds a kv version 2 backend for one mount. */
export function kvV2Backend(options: KvV2Options = {}): LogicalBackend {
  const ctx: KvV2Context = { locks: new KeyLocks(), now: options.now ?? Date.now };
  const inner = defineBackend({
    type: 'kv',
    paths: [
      pathConfig,
      pathData(ctx),
      pathMetadata(ctx),
      pathDestroy(ctx),
      pathSubkeys(ctx),
      pathDelete(ctx),
      pathUndelete(ctx),
      pathV1Warning,
    ],
  });
  return {
    ...inner,
    async handleRequest(req) {
      assertSafePath(req.path);
      return inner.handleRequest(req);
    },
    async existenceCheck(req) {
      assertSafePath(req.path);
      return inner.existenceCheck?.(req);
    },
  };
}
