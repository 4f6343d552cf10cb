/**
 * The cubbyhole secrets engine: a kv v1-like store private to each token. Every token sees only
 * its own cubbyhole (root included); the token store destroys it when the token is revoked.
 *
 * Storage layout (inside the mount's view, behind the barrier):
 *   <cubbyholeId>/<path>   the secret's map as JSON
 *
 * Reads carry no lease (lease_duration 0).
 */
import type { BackendFactory, LogicalRequest, LogicalResponse, Storage } from '../../../logical/types.js';
import type { PathSpec } from '../../../framework/backend.js';
import { defineBackend } from '../../../framework/backend.js';
import type { FieldData } from '../../../framework/field-data.js';
import { listResponse } from '../../../framework/list-response.js';
import { assertSafePath } from '../../../framework/safe-path.js';
import { InvalidRequestError } from '../../../helper/errors.js';
import { assertWritablePath, decodeMap, listPrefix } from '../kv/secret-paths.js';

/** The caller's cubbyhole folder; requests without a token have none. */
function folderOf(req: LogicalRequest): string {
  const id = req.tokenEntry?.cubbyholeId ?? '';
  if (id === '') throw new InvalidRequestError('cubbyhole operations are only supported by token based auth');
  return `${id}/`;
}

async function read(req: LogicalRequest, data: FieldData): Promise<LogicalResponse | undefined> {
  const folder = folderOf(req);
  const path = data.string('path');
  if (path === '') throw new InvalidRequestError('missing path');
  assertSafePath(path);
  if (path.endsWith('/')) return undefined;
  const raw = await req.storage.get(folder + path);
  return raw === undefined ? undefined : { data: decodeMap(raw) };
}

async function write(req: LogicalRequest, data: FieldData): Promise<undefined> {
  const folder = folderOf(req);
  const path = data.string('path');
  assertWritablePath(path);
  if (Object.keys(req.data).length === 0) throw new InvalidRequestError('missing data fields');
  await req.storage.put(folder + path, Buffer.from(JSON.stringify(req.data), 'utf8'));
  return undefined;
}

async function remove(req: LogicalRequest, data: FieldData): Promise<undefined> {
  const folder = folderOf(req);
  const path = data.string('path');
  assertSafePath(path);
  if (path !== '' && !path.endsWith('/')) await req.storage.delete(folder + path);
  return undefined;
}

async function list(req: LogicalRequest, data: FieldData): Promise<LogicalResponse | undefined> {
  const folder = folderOf(req);
  const path = data.string('path');
  assertSafePath(path);
  return listResponse(await req.storage.list(folder + listPrefix(path)));
}

const pathCubbyhole: PathSpec = {
  pattern: '^(?<path>.*)$',
  fields: {
    path: { kind: 'string', description: 'Location of the secret in the caller’s cubbyhole.', default: '' },
  },
  operations: { read, create: write, update: write, delete: remove, list },
  existenceCheck: async (req, data) => {
    const path = data.string('path');
    const id = req.tokenEntry?.cubbyholeId ?? '';
    if (id === '' || path === '' || path.endsWith('/')) return false;
    assertSafePath(path);
    return (await req.storage.get(`${id}/${path}`)) !== undefined;
  },
  synopsis: 'Token-private secret storage, destroyed with the token.',
};

/** Creates the cubbyhole backend for its mount. */
export const cubbyholeFactory: BackendFactory = () =>
  defineBackend({ type: 'cubbyhole', paths: [pathCubbyhole] });

/**
 * Deletes everything in one cubbyhole; the token store calls this when a token is revoked.
 * `storage` is the cubbyhole mount's view. Idempotent.
 */
export async function destroyCubbyhole(storage: Storage, cubbyholeId: string): Promise<void> {
  if (cubbyholeId === '' || cubbyholeId.includes('/')) {
    throw new InvalidRequestError(`invalid cubbyhole id "${cubbyholeId}"`);
  }
  await clearFolder(storage, `${cubbyholeId}/`);
}

async function clearFolder(storage: Storage, folder: string): Promise<void> {
  for (const name of await storage.list(folder)) {
    if (name.endsWith('/')) await clearFolder(storage, folder + name);
    else await storage.delete(folder + name);
  }
}
