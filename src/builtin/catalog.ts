import type { BackendCatalog, BackendFactory } from '../logical/types.js';
import { kvFactory } from './logical/kv/index.js';
import { cubbyholeFactory, destroyCubbyhole } from './logical/cubbyhole/index.js';

/** The engines and auth methods this build can mount, by type ("generic" is kv's old name). */
export function builtinCatalog(): BackendCatalog {
  const mounts = new Map<string, BackendFactory>([
    ['kv', kvFactory],
    ['cubbyhole', cubbyholeFactory],
  ]);
  const auth = new Map<string, BackendFactory>();
  return { mounts, auth, destroyCubbyhole };
}
