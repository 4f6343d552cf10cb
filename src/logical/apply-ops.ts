import type { Storage, StorageOp } from './types.js';

/**
 * Applies `ops` as one transaction where `storage` has transactions, else one by one in the
 * order given (callers order them so that an interruption leaves nothing dangling).
 */
export async function applyOps(storage: Storage, ops: readonly StorageOp[]): Promise<void> {
  if (storage.transaction !== undefined) {
    await storage.transaction(ops);
    return;
  }
  for (const o of ops) {
    if (o.op === 'put') await storage.put(o.key, o.value);
    else await storage.delete(o.key);
  }
}
