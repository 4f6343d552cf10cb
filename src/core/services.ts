import type { BackendCatalog, BackendFactory, Storage, SystemView } from '../logical/types.js';
import type { Logger } from '../helper/logger.js';
import { StorageView } from './barrier/view.js';
import { STORAGE_KEYS } from './storage-keys.js';
import { Router } from './routing/router.js';
import { MountTable } from './routing/mount-table.js';
import type { NewMount } from './routing/mount-table.js';
import { routePrefix } from './routing/mount-entry.js';
import { TokenStore } from './token/token-store.js';
import { TokenIssuer, tokenLeaseId } from './token/token-issuer.js';
import { tokenBackend } from './token/token-backend.js';
import { PolicyStore } from './policy/policy-store.js';
import { ExpirationManager } from './expiration/expiration-manager.js';
import type { LeaseEntry } from './expiration/lease-entry.js';
import { Wrapper } from './wrapping/wrapper.js';
import { UserLockout } from './lockout/user-lockout.js';
import type { LockoutDefaults } from './lockout/settings.js';
import { systemBackend } from './system/index.js';
import { RequestHandler } from './request-handler.js';
import { TokenCheck } from './token-check.js';
import type { NodeState } from './node-state.js';
import { uuid } from '../helper/random.js';
import { InvalidRequestError } from '../helper/errors.js';
import { AuditBroker } from './audit/audit-broker.js';

export type { BackendCatalog } from '../logical/types.js';

export interface ServiceOptions {
  readonly barrier: Storage;
  readonly state: NodeState;
  readonly logger: Logger;
  readonly catalog: BackendCatalog;
  readonly defaultLeaseTtl: number;
  readonly maxLeaseTtl: number;
  readonly lockoutDefaults: LockoutDefaults;
}

/** Everything that exists only while the node is unsealed and serving. */
export interface Services {
  readonly router: Router;
  readonly mounts: MountTable;
  readonly tokens: TokenStore;
  /** The token check of every authenticated request (the pipeline's, and the sys endpoints outside it). */
  readonly tokenCheck: TokenCheck;
  readonly issuer: TokenIssuer;
  readonly policies: PolicyStore;
  readonly expiration: ExpirationManager;
  readonly wrapper: Wrapper;
  readonly audit: AuditBroker;
  readonly handler: RequestHandler;
  stop(): void;
}

const DEFAULT_MOUNTS: Record<'mounts' | 'auth', NewMount[]> = {
  mounts: [
    {
      table: 'mounts',
      path: 'cubbyhole/',
      type: 'cubbyhole',
      description: 'per-token private secret storage',
      local: true,
    },
    {
      table: 'mounts',
      path: 'sys/',
      type: 'system',
      description: 'system endpoints used for control, policy and debugging',
    },
  ],
  auth: [{ table: 'auth', path: 'token/', type: 'token', description: 'token based credentials' }],
};

/**
 * Builds the unsealed services in dependency order: tokens and leases, policies, the mount
 * tables with their backends, the router, wrapping and the request pipeline.
 */
export async function buildServices(o: ServiceOptions): Promise<Services> {
  const log = o.logger;
  const router = new Router();
  const tokens = await TokenStore.open(new StorageView(o.barrier, STORAGE_KEYS.tokens));

  const mountTtls = (prefix: string): { defaultLeaseTtl: number; maxLeaseTtl: number } => {
    const cfg = router.byPrefix(prefix)?.entry.config;
    const max = (cfg?.max_lease_ttl ?? 0) || o.maxLeaseTtl;
    const def = Math.min((cfg?.default_lease_ttl ?? 0) || o.defaultLeaseTtl, max);
    return { defaultLeaseTtl: def, maxLeaseTtl: max };
  };
  const system: SystemView = {
    defaultLeaseTtl: o.defaultLeaseTtl,
    maxLeaseTtl: o.maxLeaseTtl,
    mountLeaseTtls: mountTtls,
  };

  const revoker = async (lease: LeaseEntry): Promise<void> => {
    if (lease.kind === 'token') {
      await tokens.revokeTreeSalted(lease.tokenSalted);
      return;
    }
    const route = router.byPrefix(lease.mountPrefix);
    if (route?.backend.revokeSecret === undefined) return;
    await route.backend.revokeSecret(
      {
        id: uuid(),
        operation: 'delete',
        path: lease.path.slice(lease.mountPrefix.length),
        fullPath: lease.path,
        mountPoint: lease.mountPrefix,
        data: {},
        storage: route.storage,
        clientToken: '',
        remoteAddress: '',
        headers: {},
      },
      lease.internalData,
    );
  };
  const expiration = new ExpirationManager(
    new StorageView(o.barrier, STORAGE_KEYS.leases),
    revoker,
    log.child({ subsystem: 'expiration' }),
  );
  const issuer = new TokenIssuer(tokens, expiration);
  tokens.onRevoke(async (salted, entry) => {
    await expiration.revokeByToken(salted);
    const tokenLease = await expiration.lookup(tokenLeaseId(entry, salted));
    if (tokenLease !== undefined) await expiration.forget(tokenLease);
    const cubby = router.byPrefix('cubbyhole/');
    if (cubby !== undefined) await o.catalog.destroyCubbyhole(cubby.storage, entry.cubbyholeId);
  });
  const policies = new PolicyStore(new StorageView(o.barrier, STORAGE_KEYS.policies));
  await policies.setup();
  const lockout = new UserLockout(new StorageView(o.barrier, STORAGE_KEYS.lockout));
  const wrapper = new Wrapper(
    new StorageView(o.barrier, STORAGE_KEYS.wrapping),
    tokens,
    issuer,
    () => mountTtls('auth/token/').maxLeaseTtl,
  );

  const audit = new AuditBroker({
    storage: o.barrier,
    factories: o.catalog.audit,
    logger: log.child({ subsystem: 'audit' }),
    onBlocked: (reason) => {
      o.state.setDegraded(reason);
    },
  });

  const internal = {
    system: () =>
      systemBackend({
        mounts: requireMounts(),
        router,
        policies,
        tokens,
        expiration,
        wrapper,
        lockout,
        lockoutDefaults: o.lockoutDefaults,
        audit,
        systemTtls: { defaultLeaseTtl: o.defaultLeaseTtl, maxLeaseTtl: o.maxLeaseTtl },
      }),
    token: () =>
      tokenBackend({
        store: tokens,
        issuer,
        ttls: () => mountTtls('auth/token/'),
        storage: new StorageView(o.barrier, STORAGE_KEYS.tokens),
        checkRenewal: async (entry) => {
          if (entry.authMountAccessor === undefined) return;
          const route = router.byAccessor(entry.authMountAccessor);
          if (route === undefined)
            throw new InvalidRequestError('the auth method that issued this token is no longer mounted');
          await route.backend.renewAuth?.(route.storage, {
            internalData: entry.authInternalData ?? {},
            policies: entry.policies,
          });
        },
      }),
  };
  // The system backend is built lazily, after the mount table exists.
  const requireMounts = (): MountTable => mounts;
  const factories = {
    mounts: new Map<string, BackendFactory>([...o.catalog.mounts, ['system', internal.system]]),
    auth: new Map<string, BackendFactory>([...o.catalog.auth, ['token', internal.token]]),
  };
  const mounts: MountTable = new MountTable({
    storage: o.barrier,
    router,
    logger: log.child({ subsystem: 'mounts' }),
    system,
    factories,
    onUnmount: async (prefix) => {
      await expiration.revokePrefix(prefix, true);
    },
  });
  await mounts.load(DEFAULT_MOUNTS);
  await audit.load();
  await expiration.start();

  const tokenCheck = new TokenCheck({ tokens, policies, logger: log.child({ subsystem: 'request' }) });
  const handler = new RequestHandler({
    state: o.state,
    router,
    tokens,
    tokenCheck,
    issuer,
    expiration,
    wrapper,
    lockout,
    lockoutDefaults: o.lockoutDefaults,
    mountTtls,
    audit,
    logger: log.child({ subsystem: 'request' }),
  });
  log.debug({ mounts: router.all().map((r) => routePrefix(r.entry)) }, 'services ready');
  return {
    router,
    mounts,
    tokens,
    tokenCheck,
    issuer,
    policies,
    expiration,
    wrapper,
    audit,
    handler,
    stop: () => {
      expiration.stop();
      void audit.close();
      o.state.setDegraded(undefined);
    },
  };
}
