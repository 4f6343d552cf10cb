import { randomBytes } from 'node:crypto';
import type { Logger } from '../helper/logger.js';
import type { LeaderAdvertisement, PhysicalBackend } from '../physical/types.js';
import { isHaBackend } from '../physical/types.js';
import { InvalidRequestError, SealedError, VaultError } from '../helper/errors.js';
import { PolicyStore } from './policy/policy-store.js';
import { HaController } from './ha/ha-controller.js';
import type { HoldAnnouncer, HolderFollower } from './ha/holder-liveness.js';
import { Mutex } from '../helper/mutex.js';
import { VAULT_COMPAT_VERSION, BUILD_DATE } from '../version.js';
import { AesGcmBarrier } from './barrier/aes-gcm-barrier.js';
import { StorageView } from './barrier/view.js';
import { ACTIVATION_READS, STORAGE_KEYS } from './storage-keys.js';
import { NodeState } from './node-state.js';
import { ShamirSeal } from './seal/shamir-seal.js';
import type { InitParams } from './seal/shamir-seal.js';
import { validateInitParams } from './seal/shamir-seal.js';
import { assertNoExistingData } from './seal/existing-data.js';
import { UnsealProgress } from './seal/unseal-progress.js';
import { decodeKeyShare } from './seal/decode-key.js';
import type { ClusterInfo } from './cluster-info.js';
import { loadClusterInfo } from './cluster-info.js';
import { TokenStore } from './token/token-store.js';
import type { TokenEntry } from './token/token-entry.js';
import type { BackendCatalog, Services } from './services.js';
import { buildServices } from './services.js';
import { TokenCheck } from './token-check.js';
import type { HandledResponse, IncomingRequest } from './request-handler.js';
import type { LockoutDefaults } from './lockout/settings.js';

export interface CoreOptions {
  readonly physical: PhysicalBackend;
  readonly logger: Logger;
  readonly catalog: BackendCatalog;
  /** System-wide lease TTLs in seconds (Vault's default_lease_ttl / max_lease_ttl, 768h). */
  readonly defaultLeaseTtl: number;
  readonly maxLeaseTtl: number;
  /** Server-wide user lockout defaults (`user_lockout` blocks). */
  readonly lockoutDefaults?: LockoutDefaults;
  readonly clusterName?: string;
  /** High availability: present when the storage can elect a leader (storage "consul"). */
  readonly ha?: {
    readonly advertisement: LeaderAdvertisement;
    /** Milliseconds to wait after a step-down before competing again. */
    readonly stepDownCoolOffMs: number;
    /**
     * Something to wait for (bounded by its caller) between giving up active duty and releasing
     * the lock on a step-down or shutdown: the Consul registration drops the `active` tag first.
     */
    readonly beforeLockRelease?: () => Promise<void>;
    /** Follows the active node while this one is a standby (HaControllerOptions.follower). */
    readonly follower?: HolderFollower;
    /** This node ended the hold of an active node that is gone (HaControllerOptions.holderGone). */
    readonly holderGone?: (leader: LeaderAdvertisement, why: string) => Promise<void>;
  };
}

export interface InitResult {
  readonly keys: Buffer[];
  readonly rootToken: string;
}

export interface SealStatus {
  type: string;
  initialized: boolean;
  sealed: boolean;
  t: number;
  n: number;
  progress: number;
  nonce: string;
  version: string;
  build_date: string;
  migration: boolean;
  cluster_name?: string;
  cluster_id?: string;
  recovery_seal: boolean;
  storage_type: string;
}

/** What exists only while the node is unsealed. */
interface UnsealedServices {
  readonly cluster: ClusterInfo;
  /** Present while this node serves as active. */
  services: Services | undefined;
}

/**
 * The node's lifecycle: initialisation, unseal, seal, key rotation. It owns the barrier, the seal
 * and the one NodeState that everything else derives from.
 */
export class Core {
  readonly state: NodeState;
  private readonly barrier: AesGcmBarrier;
  private readonly seal: ShamirSeal;
  private readonly progress = new UnsealProgress();
  private readonly lifecycle = new Mutex();
  private services: UnsealedServices | undefined;
  private ha: HaController | undefined;
  private readonly log: Logger;
  private knownInitialized: boolean;

  private constructor(
    private readonly opts: CoreOptions,
    initialized: boolean,
  ) {
    this.knownInitialized = initialized;
    this.log = opts.logger.child({ subsystem: 'core' });
    this.barrier = new AesGcmBarrier(opts.physical);
    this.seal = new ShamirSeal(opts.physical);
    this.state = new NodeState(initialized ? 'sealed' : 'uninitialized');
  }

  /** Reads the seal configuration to learn whether the storage is initialised. */
  static async create(opts: CoreOptions): Promise<Core> {
    const config = await new ShamirSeal(opts.physical).config();
    return new Core(opts, config !== undefined);
  }

  get storageType(): string {
    return this.opts.physical.type;
  }

  /**
   * Whether the storage holds a seal configuration. Once it does it always will (nothing removes
   * it), so after the first yes this costs no I/O: sys/health answers load balancers from memory.
   */
  async initialized(): Promise<boolean> {
    if (this.knownInitialized) return true;
    this.knownInitialized = (await this.seal.config()) !== undefined;
    return this.knownInitialized;
  }

  /** sys/init: creates the root key, keyring, unseal key shares and a root token. Stays sealed. */
  initialize(params: InitParams): Promise<InitResult> {
    return this.lifecycle.run(async () => {
      if (await this.initialized()) throw new InvalidRequestError('Vault is already initialized');
      validateInitParams(params);
      // Never initialise over existing data: without a seal configuration it is a damaged barrier
      // (or an interrupted sys/init), and only the operator may decide to discard it.
      await assertNoExistingData(this.opts.physical);
      const rootKey = randomBytes(32);
      try {
        await this.barrier.initialize(rootKey);
        await this.barrier.unseal(rootKey);
        const cluster = await loadClusterInfo(this.barrier, this.opts.clusterName);
        const tokens = await TokenStore.open(new StorageView(this.barrier, STORAGE_KEYS.tokens));
        const root = await tokens.create({
          policies: ['root'],
          path: 'auth/token/root',
          displayName: 'root',
        });
        this.barrier.seal();
        // The seal config is written last: a crash before this point leaves the node uninitialised.
        const keys = await this.seal.initialize(params, rootKey);
        this.knownInitialized = true;
        this.state.transition('sealed', 'initialized');
        this.log.info(
          { shares: params.secretShares, threshold: params.secretThreshold, cluster: cluster.name },
          'initialized',
        );
        return { keys, rootToken: root.id };
      } finally {
        rootKey.fill(0);
        this.barrier.seal();
      }
    });
  }

  /** sys/unseal: adds one share; unseals once the threshold of distinct shares is reached. */
  submitUnsealKey(key: unknown): Promise<SealStatus> {
    return this.lifecycle.run(async () => {
      const config = await this.seal.config();
      if (config === undefined) throw new InvalidRequestError('Vault is not initialized');
      // Another node of the cluster may have initialised the shared storage since this one started.
      if (this.state.state === 'uninitialized') this.state.transition('sealed', 'initialized');
      if (this.state.unsealed) return this.sealStatusNow(config.secret_shares, config.secret_threshold);
      const share = decodeKeyShare(key, config.secret_shares === 1 ? 32 : 33);
      const shares = this.progress.add(share, config.secret_threshold);
      share.fill(0);
      if (shares !== undefined) {
        try {
          const rootKey = await this.seal.recoverRootKey(shares);
          try {
            await this.barrier.unseal(rootKey);
          } finally {
            rootKey.fill(0);
          }
          await this.postUnseal();
        } catch (err) {
          this.barrier.seal();
          this.services = undefined;
          this.log.warn('unseal attempt failed; progress reset');
          throw err;
        } finally {
          for (const s of shares) s.fill(0);
        }
      }
      return this.sealStatusNow(config.secret_shares, config.secret_threshold);
    });
  }

  /** sys/unseal with reset=true. */
  resetUnseal(): Promise<SealStatus> {
    return this.lifecycle.run(async () => {
      if (this.state.unsealed) throw new InvalidRequestError('vault is unsealed');
      this.progress.reset();
      return this.sealStatus();
    });
  }

  /** sys/seal: drops every key from memory and stops serving. */
  async sealNode(reason = 'sealed by operator'): Promise<void> {
    // Leave the election first (it demotes this node and releases the lock, with no lock-delay).
    const ha = this.ha;
    this.ha = undefined;
    await ha?.stop();
    return this.lifecycle.run(() => {
      if (!this.state.unsealed) return Promise.resolve();
      this.services?.services?.stop();
      this.services = undefined;
      this.barrier.seal();
      this.state.transition('sealed', reason);
      this.log.info({ reason }, 'sealed');
      return Promise.resolve();
    });
  }

  async sealStatus(): Promise<SealStatus> {
    const config = await this.seal.config();
    return this.sealStatusNow(
      config?.secret_shares ?? 0,
      config?.secret_threshold ?? 0,
      config !== undefined,
    );
  }

  /** sys/rotate: a new keyring term; earlier terms keep decrypting. */
  rotate(): Promise<{ term: number; installTime: string }> {
    return this.lifecycle.run(async () => {
      this.requireServices();
      const result = await this.barrier.rotate();
      this.log.info({ term: result.term }, 'barrier key rotated');
      return result;
    });
  }

  /** Reopens the active node's audit devices (SIGHUP, after log rotation); nothing to do otherwise. */
  async reopenAudit(): Promise<void> {
    await this.services?.services?.audit.reopen();
  }

  /** sys/key-status: the barrier's active term; throws while sealed. */
  keyStatus(): { term: number; installTime: string; encryptions: number } {
    return this.barrier.keyStatus();
  }

  /**
   * A key for `purpose` that every unsealed node of this cluster derives alike (see
   * AesGcmBarrier.deriveKey); undefined while this node is sealed.
   */
  deriveClusterKey(purpose: string): Buffer | undefined {
    return this.barrier.sealed ? undefined : this.barrier.deriveKey(purpose);
  }

  /** Resolves a client token to its entry (undefined: unknown or expired). */
  async lookupToken(id: string): Promise<TokenEntry | undefined> {
    const unsealed = this.requireServices();
    if (unsealed.services !== undefined) return unsealed.services.tokens.lookup(id);
    return (await this.standbyTokenCheck()).tokens.lookup(id);
  }

  /**
   * A standby checks tokens for its node-local operations (sys/seal) by reading the stores behind
   * the barrier; it cannot write them, so the check refuses limited-use tokens.
   */
  private async standbyTokenCheck(): Promise<{ tokens: TokenStore; check: TokenCheck }> {
    const tokens = await TokenStore.open(new StorageView(this.barrier, STORAGE_KEYS.tokens));
    const policies = new PolicyStore(new StorageView(this.barrier, STORAGE_KEYS.policies));
    return { tokens, check: new TokenCheck({ tokens, policies, logger: this.log, readOnly: true }) };
  }

  /**
   * Authorises a system operation answered outside the pipeline (sys/seal, sys/rotate,
   * sys/key-status, sys/step-down) with the pipeline's own token check: a live token, the client
   * inside its bound CIDRs, the capability (and sudo) on `path`, one use counted. A token spent by
   * this use is revoked at once: the operation needs nothing more of it, and after a seal or a
   * step-down this node could no longer revoke it. A standby (sys/seal is node-local) reads the
   * stores and refuses limited-use tokens, whose use it cannot count.
   */
  async authorizeSudo(req: {
    token: string;
    path: string;
    operation: 'read' | 'update';
    remoteAddress: string;
    needsSudo?: boolean;
  }): Promise<void> {
    if (!this.state.unsealed) throw new SealedError();
    const check = {
      token: req.token,
      path: req.path,
      operation: req.operation,
      remoteAddress: req.remoteAddress,
      needsSudo: req.needsSudo ?? true,
    };
    const active = this.services?.services;
    if (active !== undefined) {
      const grant = await active.tokenCheck.authorize(check);
      if (grant.lastUse) await active.tokens.revokeTree(req.token);
      return;
    }
    this.requireServices();
    await (await this.standbyTokenCheck()).check.authorize(check);
  }

  /** Runs a logical request through the pipeline (active nodes only; standbys forward first). */
  handleRequest(req: IncomingRequest): Promise<HandledResponse> {
    return this.requireActive().handler.handle(req);
  }

  /** The active node's services (mount table, token store, …); throws while sealed or standby. */
  get unsealed(): Services {
    return this.requireActive();
  }

  /** HA facts for sys/leader and forwarding; undefined when HA is off. */
  get haStatus(): { leader: LeaderAdvertisement | undefined; isSelf: boolean } | undefined {
    if (this.opts.ha === undefined) return undefined;
    return { leader: this.state.leader, isSelf: this.state.role === 'active' };
  }

  /** What followers of this node hear while it is active (src/http/ha-follow-endpoint.ts); undefined without HA or while sealed. */
  get haAnnouncer(): HoldAnnouncer | undefined {
    return this.ha?.announcer;
  }

  get haEnabled(): boolean {
    return this.opts.ha !== undefined;
  }

  /** sys/step-down: give the lock up; resolves once this node is a standby. */
  async stepDown(): Promise<void> {
    if (this.ha === undefined || this.state.state !== 'active') return;
    await this.ha.stepDown();
  }

  get cluster(): ClusterInfo | undefined {
    return this.services?.cluster;
  }

  private requireServices(): UnsealedServices {
    if (this.services === undefined) throw new SealedError();
    return this.services;
  }

  private requireActive(): Services {
    const s = this.requireServices().services;
    if (s === undefined)
      throw new VaultError(503, 'local node not active but active cluster node not found', true);
    return s;
  }

  private async buildActive(): Promise<Services> {
    return buildServices({
      barrier: this.barrier,
      state: this.state,
      logger: this.opts.logger,
      catalog: this.opts.catalog,
      defaultLeaseTtl: this.opts.defaultLeaseTtl,
      maxLeaseTtl: this.opts.maxLeaseTtl,
      lockoutDefaults: this.opts.lockoutDefaults ?? {},
    });
  }

  /**
   * Loads what serving as the active node needs, fresh: cached reads are dropped (another active
   * may have written), the keys the load is about to read are fetched in one round trip where
   * storage allows (ACTIVATION_READS), then the keyring (it may have rotated) and the services.
   */
  private async activate(): Promise<Services> {
    const physical = this.opts.physical;
    physical.purge?.();
    await physical.prefetch?.(ACTIVATION_READS);
    await this.barrier.reloadKeyring();
    return this.buildActive();
  }

  /** The lock is ours: load everything fresh (activate), then serve. */
  private async promote(): Promise<void> {
    const unsealed = this.requireServices();
    const started = Date.now();
    unsealed.services = await this.activate();
    this.state.transition('active', 'holds the HA lock');
    this.log.info({ ms: Date.now() - started }, 'promoted to active');
  }

  private demote(reason: string, steppingDown: boolean): Promise<void> {
    const unsealed = this.services;
    unsealed?.services?.stop();
    if (unsealed !== undefined) unsealed.services = undefined;
    if (this.state.state === 'active') {
      if (steppingDown) this.state.transition('stepping-down', reason);
      this.state.transition('standby', reason);
      this.log.warn({ reason }, 'no longer active');
    }
    return Promise.resolve();
  }

  private async postUnseal(): Promise<void> {
    const cluster = await loadClusterInfo(this.barrier, this.opts.clusterName);
    const ha = this.opts.ha;
    if (ha === undefined || !isHaBackend(this.opts.physical)) {
      this.services = { cluster, services: await this.activate() };
      this.state.transition('active', 'unsealed');
      this.log.info({ cluster: cluster.name }, 'unsealed');
      return;
    }
    this.services = { cluster, services: undefined };
    this.state.transition('standby', 'unsealed; competing for the HA lock');
    this.ha = new HaController({
      backend: this.opts.physical,
      advertisement: ha.advertisement,
      hooks: {
        promote: () => this.promote(),
        demote: (reason, steppingDown) => this.demote(reason, steppingDown),
        beforeRelease: () => ha.beforeLockRelease?.() ?? Promise.resolve(),
      },
      logger: this.log.child({ subsystem: 'ha' }),
      stepDownCoolOffMs: ha.stepDownCoolOffMs,
      publishLeader: (leader) => {
        this.state.publishLeader(leader);
      },
      ...(ha.follower === undefined ? {} : { follower: ha.follower }),
      ...(ha.holderGone === undefined ? {} : { holderGone: ha.holderGone }),
    });
    this.ha.start();
    this.log.info({ cluster: cluster.name }, 'unsealed as standby');
  }

  private sealStatusNow(n: number, t: number, initialized = true): SealStatus {
    const sealed = !this.state.unsealed;
    const status: SealStatus = {
      type: 'shamir',
      initialized,
      sealed,
      t,
      n,
      progress: sealed ? this.progress.progress : 0,
      nonce: sealed ? this.progress.nonce : '',
      version: VAULT_COMPAT_VERSION,
      build_date: BUILD_DATE,
      migration: false,
      recovery_seal: false,
      storage_type: this.opts.physical.type,
    };
    if (!sealed && this.services !== undefined) {
      status.cluster_name = this.services.cluster.name;
      status.cluster_id = this.services.cluster.id;
    }
    return status;
  }
}
