import { InvalidRequestError, VaultError } from '../../src/helper/errors.js';
import { encodeValue, type ConsulTxnOp } from './client-types.js';

/**
 * Operations per Consul transaction: older Consul versions accept 64, newer ones 128. tresor stays
 * within 64 so that it works against either, and keeps one of them for the fencing check.
 */
export const MAX_TXN_OPS = 64;

/** Operations a caller may put in one transaction: one slot is reserved for `check-session`. */
export const MAX_USER_TXN_OPS = MAX_TXN_OPS - 1;

/**
 * Consul's default `txn_max_req_len` and `kv_max_value_size`: 512 KiB. A transaction's JSON body
 * (values in base64) must fit in it, which caps one value at about 384 KiB of raw bytes.
 */
export const MAX_TXN_BYTES = 512 * 1024;

/** The fencing operation's size, with a generous lock key and session id. */
export const FENCE_OP_BYTES = 200;

/** The size of one operation in the /v1/txn JSON body (close upper bound). */
export function opBytes(op: ConsulTxnOp): number {
  const key = Buffer.byteLength(JSON.stringify(op.key));
  switch (op.verb) {
    case 'set':
      return key + encodeValue(op.value).length + 48;
    case 'delete':
      return key + 40;
    case 'check-session':
      return key + op.session.length + 64;
    case 'lock':
    case 'unlock':
      return key + encodeValue(op.value).length + op.session.length + 72;
  }
}

/**
 * Refuses, before anything is sent, writes Consul would reject for their size or operation count,
 * with a message that names the key (relative to `prefix`), the size and the limit. Values are never split: a write is
 * all-or-nothing and a chunked value could not be kept atomic under the 64-operation limit.
 */
export function assertWithinLimits(ops: readonly ConsulTxnOp[], prefix = ''): void {
  if (ops.length > MAX_USER_TXN_OPS) {
    throw new InvalidRequestError(
      `storage transaction has ${ops.length} operations; Consul accepts at most ${MAX_TXN_OPS} per transaction and tresor reserves one for lock fencing, so split it into batches of at most ${MAX_USER_TXN_OPS}`,
    );
  }
  let total = FENCE_OP_BYTES + 2;
  for (const op of ops) {
    assertConsulKey(op.key, prefix);
    const size = opBytes(op) + 1;
    if (op.verb === 'set' && FENCE_OP_BYTES + size > MAX_TXN_BYTES) {
      throw new VaultError(
        413,
        `value for storage key "${op.key.startsWith(prefix) ? op.key.slice(prefix.length) : op.key}" (Consul key "${op.key}") is ${op.value.length} bytes; Consul accepts at most about ${maxValueBytes()} bytes per value (512 KiB request limit, values sent as base64)`,
      );
    }
    total += size;
  }
  if (total > MAX_TXN_BYTES) {
    throw new VaultError(
      413,
      `storage transaction of ${ops.length} operations encodes to about ${total} bytes; Consul accepts at most ${MAX_TXN_BYTES} bytes per transaction, so split it`,
    );
  }
}

/** ASCII control characters: Consul's /v1/kv/<key> endpoint answers 400 to any key holding one. */
function hasControlCharacter(key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Whether Consul can store, read and delete `key` through every endpoint tresor uses. */
export function consulCanHold(key: string): boolean {
  return !hasControlCharacter(key);
}

/** Refuses a key Consul's KV endpoint cannot address, naming it (relative to `prefix`). */
export function assertConsulKey(key: string, prefix = ''): void {
  if (consulCanHold(key)) return;
  const shown = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  throw new InvalidRequestError(
    `storage key ${JSON.stringify(shown)} contains a control character; Consul cannot store such keys`,
  );
}

/** The largest raw value one write can carry. */
export function maxValueBytes(): number {
  return Math.floor(((MAX_TXN_BYTES - FENCE_OP_BYTES - 2 - 48 - 1 - 512) * 3) / 4);
}
