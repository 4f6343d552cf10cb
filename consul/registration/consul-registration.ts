import type { ServiceRegistrationConfig } from '../../src/config/types.js';
import type { NodeState } from '../../src/core/node-state.js';
import type { Logger } from '../../src/helper/logger.js';
import type { ConsulClient } from '../client/client.js';
import { configuredTags, sameTags, sealedCheck, serviceTags } from './derive.js';
import { SEALED_CHECK_NAME, serviceIdentity, type ServiceIdentity } from './service-identity.js';
import { checkRefreshMs, reconcileMs, retryMs, RECONCILE_INTERVAL_MS } from './timing.js';
import { Waker } from './waker.js';

/** The registration keys of the configuration (durations in seconds). */
export type RegistrationSettings = Pick<
  ServiceRegistrationConfig,
  'service' | 'serviceTags' | 'serviceAddress' | 'checkTimeout' | 'deregisterCriticalServiceAfter'
>;

export interface ConsulRegistrationOptions {
  readonly client: ConsulClient;
  readonly settings: RegistrationSettings;
  /** This node's client URL: the service id, address and port come from it. */
  readonly apiAddr: string;
  /** The node's one state; tags and the check are read from it at the moment they are sent. */
  readonly state: NodeState;
  readonly logger: Logger;
  /** Published as the `tresor-node-id` meta value (the lock holder's advertisement carries the same id). */
  readonly nodeId?: string;
  /** How often to compare with the agent's copy (60 s). */
  readonly reconcileIntervalMs?: number;
}

const CHECK_NOTES =
  'Vault service is healthy when Vault is in an unsealed status and can become an active Vault server';
/** Failures of a non-active node are logged at warn at most this often (the others at debug). */
const WARN_EVERY_MS = 30_000;

/**
 * Registers this node in Consul the way Vault does — service `vault`, id `vault:<host>:<port>`, tags
 * `active`/`standby` + `initialized`, a TTL check critical while sealed — with everything derived
 * from the NodeState at send time:
 *
 * - every state change re-registers (tags) and reports the check at once, so the `active` tag goes
 *   the moment the node leaves `active` (stepping down, lost lock, seal);
 * - the check is refreshed every half TTL; the registration is compared with the agent's every
 *   ~60 s, and registered again when the agent lost it or its tags drifted;
 * - Consul errors are logged and retried with backoff (250 ms doubling to 5 s); they never throw;
 * - `stop()` deregisters (clean shutdown); a crashed node's check goes critical within check_timeout
 *   and Consul removes the instance after deregister_critical_service_after.
 *
 * One loop sends everything, so a request never races another and each carries the latest state.
 */
export class ConsulRegistration {
  readonly identity: ServiceIdentity;
  private readonly client: ConsulClient;
  private readonly state: NodeState;
  private readonly log: Logger;
  private readonly tags: readonly string[];
  private readonly ttlMs: number;
  private readonly deregisterAfter: string | undefined;
  private readonly meta: Readonly<Record<string, string>>;
  private readonly reconcileEveryMs: number;
  private readonly stopping = new AbortController();
  private registerDue = true;
  private checkDue = true;
  private reconcileDue = false;
  private failures = 0;
  private lastCheckOkAt: number | undefined;
  private lastWarnAt = 0;
  private lastTags: string | undefined;
  private readonly waker = new Waker();
  private checkTimer: NodeJS.Timeout | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private readonly onChange = (): void => {
    this.registerDue = true;
    this.checkDue = true;
    this.waker.wake();
  };

  constructor(options: ConsulRegistrationOptions) {
    const s = options.settings;
    this.client = options.client;
    this.state = options.state;
    this.log = options.logger;
    this.identity = serviceIdentity(s.service, options.apiAddr, s.serviceAddress);
    this.tags = configuredTags(s.serviceTags);
    this.ttlMs = Math.max(1, Math.round(s.checkTimeout * 1000));
    this.deregisterAfter =
      s.deregisterCriticalServiceAfter > 0 ? `${s.deregisterCriticalServiceAfter}s` : undefined;
    this.meta = {
      'external-source': 'vault',
      ...(options.nodeId === undefined ? {} : { 'tresor-node-id': options.nodeId }),
    };
    this.reconcileEveryMs = options.reconcileIntervalMs ?? RECONCILE_INTERVAL_MS;
  }

  /** Starts registering and following the state; returns at once. */
  start(): void {
    if (this.loop !== undefined || this.stopping.signal.aborted) return;
    this.state.on('change', this.onChange);
    this.armReconcile();
    this.loop = this.run();
  }

  /**
   * Resolves once Consul has the tags of the current state (or after `timeoutMs`): the HA
   * controller waits for this between demoting and releasing the lock, so the old active's
   * `active` tag is gone before another node can take the lock.
   */
  async settled(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const want = (): string => serviceTags(this.state.state, this.tags).join(',');
    while (this.lastTags !== want() || this.registerDue) {
      if (this.stopped() || Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 5));
    }
    return true;
  }

  /** Stops following the state, cancels what is in flight and (by default) deregisters the service. */
  async stop(options: { deregister?: boolean } = {}): Promise<void> {
    if (this.stopping.signal.aborted) return;
    this.state.off('change', this.onChange);
    this.stopping.abort();
    clearTimeout(this.checkTimer);
    clearTimeout(this.reconcileTimer);
    await this.loop;
    if (options.deregister === false) return;
    try {
      await this.client.serviceDeregister(this.identity.serviceId, { timeoutMs: 2000 });
      this.log.info({ serviceId: this.identity.serviceId }, 'deregistered from Consul');
    } catch (err) {
      this.log.warn(
        { serviceId: this.identity.serviceId, err: errorText(err) },
        'could not deregister from Consul; the check goes critical within check_timeout',
      );
    }
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    while (!this.stopped()) {
      if (!this.registerDue && !this.checkDue && !this.reconcileDue) {
        await this.waker.sleep(undefined, signal);
        continue;
      }
      try {
        await this.step(signal);
        if (this.failures > 0)
          this.log.info({ after: this.failures }, 'Consul registration is up to date again');
        this.failures = 0;
      } catch (err) {
        if (this.stopped()) return;
        this.failures++;
        this.reportFailure(err);
        await this.waker.sleep(retryMs(this.failures), signal);
      }
    }
  }

  /** Does what is due: compare with the agent, register, report the check. A failed part stays due. */
  private async step(signal: AbortSignal): Promise<void> {
    if (this.reconcileDue) {
      this.reconcileDue = false;
      if (
        await this.again(
          () => this.drifted(signal),
          () => (this.reconcileDue = true),
        )
      )
        this.registerDue = true;
    }
    let registered = false;
    if (this.registerDue) {
      this.registerDue = false;
      await this.again(
        () => this.register(signal),
        () => (this.registerDue = true),
      );
      registered = true;
      this.checkDue = true;
    }
    if (this.checkDue) {
      this.checkDue = false;
      const known = await this.again(
        () => this.refreshCheck(signal),
        () => (this.checkDue = true),
      );
      if (known) {
        this.scheduleCheck();
      } else {
        this.registerDue = true;
        if (registered)
          throw new Error(`the Consul agent does not know check ${this.identity.checkId} it just registered`);
        this.log.warn(
          { checkId: this.identity.checkId },
          'the Consul agent lost the registration; registering again',
        );
      }
    }
  }

  /** Runs `op`; on failure calls `redo` (marks the work due again) and rethrows. */
  private async again<T>(op: () => Promise<T>, redo: () => void): Promise<T> {
    try {
      return await op();
    } catch (err) {
      redo();
      throw err;
    }
  }

  private async register(signal: AbortSignal): Promise<void> {
    const state = this.state.state;
    const { serviceId, name, checkId, address, port } = this.identity;
    const tags = serviceTags(state, this.tags);
    const { status } = sealedCheck(state, this.state.snapshot.degraded);
    await this.client.agentServiceRegister(
      {
        id: serviceId,
        name,
        tags,
        address,
        port,
        meta: this.meta,
        check: {
          id: checkId,
          name: SEALED_CHECK_NAME,
          notes: CHECK_NOTES,
          ttl: `${this.ttlMs}ms`,
          status,
          ...(this.deregisterAfter === undefined ? {} : { deregisterCriticalAfter: this.deregisterAfter }),
        },
      },
      { signal, timeoutMs: this.requestTimeoutMs() },
    );
    const changed = tags.join(',') !== this.lastTags;
    this.lastTags = tags.join(',');
    this.log[changed ? 'info' : 'debug']({ serviceId, state, tags }, 'registered in Consul');
  }

  /** Reports the sealed check; false when the agent does not know it. */
  private async refreshCheck(signal: AbortSignal): Promise<boolean> {
    const sentAt = Date.now();
    const { status, note } = sealedCheck(this.state.state, this.state.snapshot.degraded);
    const known = await this.client.checkUpdate(this.identity.checkId, status, note, {
      signal,
      timeoutMs: this.requestTimeoutMs(),
    });
    if (known) this.lastCheckOkAt = sentAt;
    return known;
  }

  /** Whether the agent's copy is missing or differs from what the state says it should be. */
  private async drifted(signal: AbortSignal): Promise<boolean> {
    const services = await this.client.agentServices({ signal, timeoutMs: this.requestTimeoutMs() });
    const current = services.get(this.identity.serviceId);
    const tags = serviceTags(this.state.state, this.tags);
    const drift =
      current === undefined
        ? 'missing'
        : !sameTags(current.tags, tags)
          ? 'tags'
          : current.address !== this.identity.address || current.port !== this.identity.port
            ? 'address'
            : undefined;
    if (drift !== undefined)
      this.log.warn(
        { serviceId: this.identity.serviceId, drift },
        'Consul registration drifted; registering again',
      );
    return drift !== undefined;
  }

  private reportFailure(err: unknown): void {
    const now = Date.now();
    const state = this.state.state;
    const fields = {
      serviceId: this.identity.serviceId,
      state,
      failures: this.failures,
      retryInMs: retryMs(this.failures),
      lastCheckOkMsAgo: this.lastCheckOkAt === undefined ? undefined : now - this.lastCheckOkAt,
      err: errorText(err),
    };
    if (state === 'active') {
      // The lock session has its own, shorter check; this one only decides what Consul and DNS say.
      this.log.warn(
        fields,
        'active node cannot update its Consul registration; its check goes critical when check_timeout runs out',
      );
      this.lastWarnAt = now;
    } else if (this.failures === 1 || now - this.lastWarnAt >= WARN_EVERY_MS) {
      this.log.warn(fields, 'cannot update the Consul registration; retrying');
      this.lastWarnAt = now;
    } else {
      this.log.debug(fields, 'cannot update the Consul registration; retrying');
    }
  }

  private scheduleCheck(): void {
    clearTimeout(this.checkTimer);
    if (this.stopping.signal.aborted) return;
    this.checkTimer = setTimeout(() => {
      this.checkDue = true;
      this.waker.wake();
    }, checkRefreshMs(this.ttlMs));
    this.checkTimer.unref();
  }

  private armReconcile(): void {
    clearTimeout(this.reconcileTimer);
    if (this.stopping.signal.aborted) return;
    this.reconcileTimer = setTimeout(() => {
      this.reconcileDue = true;
      this.waker.wake();
      this.armReconcile();
    }, reconcileMs(this.reconcileEveryMs));
    this.reconcileTimer.unref();
  }

  /** Read through a call so that TypeScript keeps no narrowing of `aborted` across awaits. */
  private stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  /** A request must not outlive the check's TTL by much, nor be cut short on a slow agent. */
  private requestTimeoutMs(): number {
    return Math.min(5000, Math.max(1000, this.ttlMs));
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
