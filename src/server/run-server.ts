import { devConfig, loadConfig } from '../config/load.js';
import type { LogLevel, ServerConfig } from '../config/types.js';
import { Core } from '../core/core.js';
import { builtinCatalog } from '../builtin/catalog.js';
import { createLogger } from '../helper/logger.js';
import type { Logger } from '../helper/logger.js';
import { createApp } from '../http/app.js';
import { logicalHandler } from '../http/logical-handler.js';
import { startListener } from '../http/listener.js';
import type { RunningListener } from '../http/listener.js';
import { createStorage } from './storage.js';
import { devBanner, setupDev, storeTokenForCli } from './dev-setup.js';
import type { PhysicalBackend } from '../physical/types.js';
import { isHaBackend } from '../physical/types.js';
import { uuid } from '../helper/random.js';
import { VaultError } from '../helper/errors.js';
import { nodeTlsVersion } from '../config/tls-version.js';
import { startConsulRegistration } from '../../consul/registration/start-registration.js';
import type { RunningRegistration } from '../../consul/registration/start-registration.js';
import { preflightConsul } from '../../consul/client/preflight.js';
import { consulClientOptions } from '../../consul/contract.js';
import { consulSettings } from '../../consul/storage/settings.js';
import { HaFollower } from '../http/ha-follower.js';
import { FOLLOW_KEY_PURPOSE } from '../http/ha-follow-proof.js';

/** How long a node that stepped down waits before competing for the lock again. */
const STEP_DOWN_COOL_OFF_MS = 5000;

export type RunServerOptions =
  | { configPaths: string[]; logLevel?: string }
  | { dev: { rootTokenId?: string; listenAddress?: string; noStoreToken?: boolean }; logLevel?: string };

/** A started server; `stop` closes listeners, seals and releases storage. */
export interface RunningServer {
  readonly core: Core;
  /** The physical storage this server opened and closes on `stop` (tests read raw entries through it). */
  readonly storage: PhysicalBackend;
  readonly config: Readonly<ServerConfig>;
  readonly listeners: readonly RunningListener[];
  readonly logger: Logger;
  stop(): Promise<void>;
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error']);

function levelOf(override: string | undefined, config: Readonly<ServerConfig>): LogLevel {
  const l = override === 'warning' ? 'warn' : override === 'err' ? 'error' : override;
  if (l !== undefined && LEVELS.has(l)) return l as LogLevel;
  return config.logLevel;
}

/** Starts a server from options (config files or dev mode) and returns once it listens. */
export async function startServer(options: RunServerOptions): Promise<RunningServer> {
  const dev = 'dev' in options ? options.dev : undefined;
  const config =
    dev === undefined
      ? await loadConfig((options as { configPaths: string[] }).configPaths)
      : devConfig(dev.listenAddress === undefined ? {} : { listenAddress: dev.listenAddress });
  if (config.haStorage !== undefined) {
    // Refused rather than ignored: a node would otherwise run without the HA its operator asked for.
    throw new VaultError(
      400,
      `${config.files.join(', ')}: ha_storage is not supported yet; use storage "consul" for high availability`,
    );
  }
  const logger = createLogger(levelOf(options.logLevel, config));
  for (const w of config.warnings) logger.warn(w);
  // TLS and scheme mistakes are reported now, not retried forever (consul/client/preflight.ts).
  if (config.storage.type === 'consul')
    await preflightConsul(consulSettings(config.storage).client, 'storage "consul"', logger);
  // (a registration derived from storage "consul" uses the connection just checked)
  if (config.serviceRegistration?.source === 'service_registration')
    await preflightConsul(
      consulClientOptions(config.serviceRegistration),
      'service_registration "consul"',
      logger,
    );
  const nodeId = uuid();
  const physical: PhysicalBackend = createStorage(config.storage, logger, config.disableCache);
  // Started once the node listens (below); the HA controller only releases the lock after an unseal.
  let registration: RunningRegistration | undefined = undefined;
  // Standbys follow the active node, so that they end a dead one's hold at once (README, HA).
  const keySource: { core?: Core } = {};
  const follower = new HaFollower({
    nodeId,
    key: () => keySource.core?.deriveClusterKey(FOLLOW_KEY_PURPOSE),
    logger: logger.child({ subsystem: 'ha-follow' }),
  });
  const core = await Core.create({
    physical,
    logger,
    catalog: builtinCatalog(),
    defaultLeaseTtl: config.defaultLeaseTtl,
    maxLeaseTtl: config.maxLeaseTtl,
    lockoutDefaults: config.userLockout,
    ...(config.clusterName === undefined ? {} : { clusterName: config.clusterName }),
    ...(isHaBackend(physical)
      ? {
          ha: {
            advertisement: { nodeId, apiAddr: config.apiAddr, clusterAddr: config.clusterAddr },
            stepDownCoolOffMs: STEP_DOWN_COOL_OFF_MS,
            // On step-down, Consul drops this node's `active` tag before another node can take the lock.
            beforeLockRelease: async () => {
              await registration?.settled(1000);
            },
            follower,
            // Consul's catalog follows at once: the gone node's instance is critical and not active.
            holderGone: async (leader, why) => {
              await registration?.markPeerDown(leader.apiAddr, { reason: `the active node is gone: ${why}` });
            },
          },
        }
      : {}),
  });
  keySource.core = core;
  const configuredSize = config.listeners[0]?.maxRequestSize ?? 32 * 1024 * 1024;
  const maxRequestSize = configuredSize === 0 ? Number.POSITIVE_INFINITY : configuredSize;
  const trustedProxies = config.listeners[0]?.xForwardedForAuthorizedAddrs ?? [];
  const app = createApp(core, {
    logger,
    maxRequestSize,
    logical: logicalHandler(core, maxRequestSize, trustedProxies),
    forwarding: { redirect: config.listeners[0]?.standbyRedirect ?? false, nodeId, trustedProxies },
  });
  const listeners: RunningListener[] = [];
  for (const l of config.listeners) {
    listeners.push(
      await startListener(app, {
        address: `${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`,
        maxRequestDurationSeconds: l.maxRequestDuration,
        ...(l.tls === undefined
          ? {}
          : {
              tls: {
                certFile: l.tls.certFile,
                keyFile: l.tls.keyFile,
                ...(l.tls.clientCaFile === undefined ? {} : { clientCaFile: l.tls.clientCaFile }),
                requireClientCert: l.tls.requireAndVerifyClientCert,
                disableClientCerts: l.tls.disableClientCerts,
                minVersion: nodeTlsVersion(l.tls.minVersion),
              },
            }),
      }),
    );
    logger.info({ address: l.address, tls: l.tls !== undefined }, 'listening');
  }
  if (dev !== undefined) {
    const result = await setupDev(core, dev.rootTokenId);
    if (dev.noStoreToken !== true)
      await storeTokenForCli(result.rootToken).catch((err: unknown) => {
        logger.warn({ err }, 'could not write ~/.vault-token');
      });
    process.stdout.write(devBanner(config.apiAddr, result));
  }
  registration =
    config.serviceRegistration === undefined
      ? undefined
      : startConsulRegistration(config.serviceRegistration, {
          apiAddr: config.apiAddr,
          state: core.state,
          logger,
          nodeId,
        });
  let stopped = false;
  return {
    core,
    storage: physical,
    config,
    listeners,
    logger,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      follower.stop();
      await registration?.stop();
      await Promise.all(listeners.map((l) => l.close()));
      await core.sealNode('shutting down');
      await physical.close?.();
    },
  };
}

/** Runs a server until SIGINT or SIGTERM, then shuts it down cleanly. */
export async function runServer(options: RunServerOptions): Promise<void> {
  const server = await startServer(options);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string): void => {
      server.logger.info({ signal }, 'shutting down');
      server.stop().then(resolve, (err: unknown) => {
        server.logger.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
    // SIGHUP: reopen the audit files (logrotate renames a file, then signals).
    process.on('SIGHUP', () => {
      server.logger.info('SIGHUP: reopening the audit devices');
      void server.core.reopenAudit();
    });
  });
}
