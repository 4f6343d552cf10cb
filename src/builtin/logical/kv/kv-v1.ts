/**
 * kv version 1: secrets stored as-is, one storage entry per path.
 *
 * Storage layout (inside the mount's view, behind the barrier):
 *   <path>   the secret's map as JSON
 *
 * A read returns the map; its lease_duration is the map's `ttl` (or `lease`) field when that parses
 * as a duration, otherwise the mount's default lease TTL. No lease is created (renewable false).
 */
import type {
  BackendConfig,
  LogicalBackend,
  LogicalRequest,
  LogicalResponse,
} from '../../../logical/types.js';
import type { PathSpec } from '../../../framework/backend.js';
import { defineBackend } from '../../../framework/backend.js';
import type { FieldData } from '../../../framework/field-data.js';
import { listResponse } from '../../../framework/list-response.js';
import { assertSafePath } from '../../../framework/safe-path.js';
import { InvalidRequestError } from '../../../helper/errors.js';
import { assertWritablePath, decodeMap, listPrefix } from './secret-paths.js';
import { parseDurationSeconds } from '../../../helper/duration.js';

/** The lease duration a kv v1 read reports: the map's `ttl`/`lease`, else the mount default. */
function leaseSeconds(secret: Record<string, unknown>, mountDefault: number): number {
  const raw = 'ttl' in secret ? secret.ttl : secret.lease;
  if (raw === undefined) return mountDefault;
  try {
    return parseDurationSeconds(raw, 'ttl');
  } catch {
    return mountDefault;
  }
}

function pathSecret(config: BackendConfig): PathSpec {
  const read = async (req: LogicalRequest, data: FieldData): Promise<LogicalResponse | undefined> => {
    const path = data.string('path');
    assertSafePath(path);
    if (path === '' || path.endsWith('/')) return undefined;
    const raw = await req.storage.get(path);
    if (raw === undefined) return undefined;
    const secret = decodeMap(raw);
    const ttl = leaseSeconds(secret, config.system.mountLeaseTtls(config.mountPath).defaultLeaseTtl);
    return { data: secret, secret: { ttl, renewable: false } };
  };

  const write = async (req: LogicalRequest, data: FieldData): Promise<undefined> => {
    const path = data.string('path');
    assertWritablePath(path);
    if (Object.keys(req.data).length === 0) throw new InvalidRequestError('missing data fields');
    await req.storage.put(path, Buffer.from(JSON.stringify(req.data), 'utf8'));
    return undefined;
  };

  const remove = async (req: LogicalRequest, data: FieldData): Promise<undefined> => {
    const path = data.string('path');
    assertSafePath(path);
    if (path !== '' && !path.endsWith('/')) await req.storage.delete(path);
    return undefined;
  };

  const list = async (req: LogicalRequest, data: FieldData): Promise<LogicalResponse | undefined> => {
    const path = data.string('path');
    assertSafePath(path);
    return listResponse(await req.storage.list(listPrefix(path)));
  };

  return {
    pattern: '^(?<path>.*)$',
    fields: { path: { kind: 'string', description: 'Location of the secret.', default: '' } },
    operations: { read, create: write, update: write, delete: remove, list },
    existenceCheck: async (req, data) => {
      const path = data.string('path');
      if (path === '' || path.endsWith('/')) return false;
      assertSafePath(path);
      return (await req.storage.get(path)) !== undefined;
    },
    synopsis: 'Pass-through secret storage: read and write arbitrary maps at any path.',
  };
}

/** Builds a kv version 1 backend for one mount. */
export function kvV1Backend(config: BackendConfig): LogicalBackend {
  return defineBackend({ type: 'kv', paths: [pathSecret(config)] });
}
