import type { Router, RouterContext } from '@koa/router';
import type { Core } from '../core/core.js';
import { healthStatusCode } from '../core/health.js';
import { SealedError } from '../helper/errors.js';
import { VAULT_COMPAT_VERSION } from '../version.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** sys/health (Vault's codes and parameters), the plain live/ready/active probes, and sys/leader. */
export function registerSysHealth(router: Router, core: Core): void {
  const health = async (ctx: RouterContext): Promise<void> => {
    const initialized = await core.initialized();
    const snapshot = core.state.snapshot;
    const status = healthStatusCode({ initialized, state: snapshot.state, query: ctx.query });
    const standby = core.state.role === 'standby';
    const cluster = core.cluster;
    ctx.status = status;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      initialized,
      sealed: !core.state.unsealed,
      standby,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: Math.floor(Date.now() / 1000),
      version: VAULT_COMPAT_VERSION,
      ...(cluster === undefined ? {} : { cluster_name: cluster.name, cluster_id: cluster.id }),
      // Not Vault's: why this node cannot serve although its state says it could (audit blocked).
      ...(snapshot.degraded === undefined ? {} : { degraded: snapshot.degraded }),
    };
  };
  router.get('/v1/sys/health', health);
  router.head('/v1/sys/health', health);

  // ready and active fail while the node is degraded (it would refuse every request); live does not.
  const probe =
    (ok: (state: string) => boolean, failsDegraded: boolean) =>
    (ctx: RouterContext): void => {
      const s = core.state.snapshot;
      const degraded = failsDegraded ? s.degraded : undefined;
      ctx.status = ok(s.state) && degraded === undefined ? 200 : 503;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = {
        state: s.state,
        reason: degraded ?? s.reason,
        initialized: s.state !== 'uninitialized',
        sealed: !core.state.unsealed,
        active_since: s.activeSince ?? null,
      };
    };
  router.get(
    '/v1/sys/health/live',
    probe(() => true, false),
  );
  router.get(
    '/v1/sys/health/ready',
    probe((s) => s === 'active' || s === 'standby', true),
  );
  router.get(
    '/v1/sys/health/active',
    probe((s) => s === 'active', true),
  );

  router.get('/v1/sys/leader', (ctx) => {
    const ha = core.haStatus;
    // As Vault: without HA the answer is "not enabled" whatever the seal; with HA a sealed node knows nothing.
    if (ha !== undefined && !core.state.unsealed) throw new SealedError();
    const s = core.state.snapshot;
    ctx.body = {
      ha_enabled: ha !== undefined,
      is_self: ha?.isSelf ?? false,
      active_time: s.state === 'active' && ha !== undefined ? (s.activeSince ?? ZERO_TIME) : ZERO_TIME,
      leader_address: ha?.leader?.apiAddr ?? '',
      leader_cluster_address: ha?.leader?.clusterAddr ?? '',
      performance_standby: false,
      performance_standby_last_remote_wal: 0,
    };
  });
}
