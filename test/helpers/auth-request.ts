import type {
  BackendConfig,
  BackendFactory,
  LogicalBackend,
  LogicalResponse,
  Operation,
} from '../../src/logical/types.js';
import { VaultError } from '../../src/helper/errors.js';
import { backendConfig, request } from './engine-request.js';
import { MemoryStorage } from './memory-storage.js';

/** How a test calls an auth method: operation, mount-relative path, body, and the caller's address. */
export type AuthCall = (
  operation: Operation,
  path: string,
  data?: Record<string, unknown>,
  remoteAddress?: string,
) => Promise<LogicalResponse | undefined>;

export interface AuthHarness {
  readonly storage: MemoryStorage;
  readonly backend: LogicalBackend;
  readonly config: BackendConfig;
  readonly call: AuthCall;
  /** Every stored key and value as text, for "no secret in clear" assertions. */
  readonly dump: () => string;
}

/**
 * An auth method mounted at `mountPoint` ("auth/userpass/") over a fresh MemoryStorage, called
 * the way the router calls it (no token; login paths are unauthenticated).
 */
export async function authHarness(
  factory: BackendFactory,
  mountPoint: string,
  maxLeaseTtl?: number,
): Promise<AuthHarness> {
  const storage = new MemoryStorage();
  const base = backendConfig(storage);
  const config: BackendConfig = {
    ...base,
    mountPath: mountPoint,
    ...(maxLeaseTtl === undefined
      ? {}
      : {
          system: { ...base.system, mountLeaseTtls: () => ({ defaultLeaseTtl: maxLeaseTtl, maxLeaseTtl }) },
        }),
  };
  const backend = await factory(config);
  const call: AuthCall = (operation, path, data, remoteAddress = '127.0.0.1') =>
    backend.handleRequest({
      ...request({ operation, path, storage, mountPoint, ...(data === undefined ? {} : { data }) }),
      remoteAddress,
    });
  const dump = (): string =>
    [...storage.data.entries()].map(([k, v]) => `${k}=${v.toString('utf8')}`).join('\n');
  return { storage, backend, config, call, dump };
}

/** An assert.rejects matcher: a VaultError with this status and, optionally, a message pattern. */
export const status =
  (code: number, message?: RegExp) =>
  (err: unknown): boolean =>
    err instanceof VaultError && err.status === code && (message === undefined || message.test(err.message));
