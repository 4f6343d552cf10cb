import pino from 'pino';
import type { BackendConfig, LogicalRequest, Operation, Storage } from '../../src/logical/types.js';

/** The mount default lease TTL the test system view reports (Vault's 768h). */
export const DEFAULT_LEASE_TTL = 2_764_800;

export interface RequestSpec {
  operation: Operation;
  path: string;
  storage: Storage;
  data?: Record<string, unknown>;
  /** The caller's cubbyhole; omit for a request without a token entry. */
  cubbyholeId?: string;
  mountPoint?: string;
}

/** A logical request as the router would hand it to an engine mounted at `mountPoint`. */
export function request(spec: RequestSpec): LogicalRequest {
  const mountPoint = spec.mountPoint ?? 'secret/';
  return {
    id: 'test-request',
    operation: spec.operation,
    path: spec.path,
    fullPath: mountPoint + spec.path,
    mountPoint,
    data: spec.data ?? {},
    storage: spec.storage,
    clientToken: spec.cubbyholeId === undefined ? '' : 'test-token',
    remoteAddress: '127.0.0.1',
    headers: {},
    ...(spec.cubbyholeId === undefined
      ? {}
      : { tokenEntry: { accessor: 'test-accessor', policies: ['default'], cubbyholeId: spec.cubbyholeId } }),
  };
}

/** A backend config for a mount with the given options and default lease TTL. */
export function backendConfig(
  storage: Storage,
  options: Record<string, string> = {},
  defaultLeaseTtl = DEFAULT_LEASE_TTL,
): BackendConfig {
  return {
    mountPath: 'secret/',
    options,
    storage,
    logger: pino({ level: 'silent' }),
    system: {
      defaultLeaseTtl: DEFAULT_LEASE_TTL,
      maxLeaseTtl: DEFAULT_LEASE_TTL,
      mountLeaseTtls: () => ({ defaultLeaseTtl, maxLeaseTtl: DEFAULT_LEASE_TTL }),
    },
  };
}
