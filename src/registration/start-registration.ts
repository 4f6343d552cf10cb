import type { ConsulConnectionConfig, ServiceRegistrationConfig } from '../config/types.js';
import type { NodeState } from '../core/node-state.js';
import type { Logger } from '../helper/logger.js';
import { ConsulClient, type ConsulClientOptions } from '../physical/consul/client.js';
import { ConsulRegistration } from './consul-registration.js';
import { reservedTagsIn } from './derive.js';
import type { ServiceIdentity } from './service-identity.js';

/** A running registration: `stop()` deregisters the service and closes its Consul connection. */
export interface RunningRegistration {
  readonly identity: ServiceIdentity;
  /** Resolves once Consul carries the tags of the current state (false after `timeoutMs`). */
  settled(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

const TLS_VERSIONS = { tls10: 'TLSv1', tls11: 'TLSv1.1', tls12: 'TLSv1.2', tls13: 'TLSv1.3' } as const;

/** The adapter's options for a Consul connection block. */
export function consulClientOptions(c: ConsulConnectionConfig): ConsulClientOptions {
  return {
    address: c.address,
    scheme: c.scheme,
    ...(c.token === undefined ? {} : { token: c.token }),
    ...(c.tls.caFile === undefined ? {} : { tlsCaFile: c.tls.caFile }),
    ...(c.tls.certFile === undefined ? {} : { tlsCertFile: c.tls.certFile }),
    ...(c.tls.keyFile === undefined ? {} : { tlsKeyFile: c.tls.keyFile }),
    tlsSkipVerify: c.tls.skipVerify,
    tlsMinVersion: TLS_VERSIONS[c.tls.minVersion],
    // A handful of requests at a time; never queue behind a storage backend's traffic.
    maxParallel: 4,
  };
}

/**
 * Registers this node in Consul as configured (`service_registration "consul"` or the Consul
 * storage) and keeps the registration in step with `state` until stopped. Never throws for Consul
 * being unreachable: that is logged and retried.
 */
export function startConsulRegistration(
  config: ServiceRegistrationConfig,
  node: { readonly apiAddr: string; readonly state: NodeState; readonly logger: Logger; readonly nodeId?: string },
): RunningRegistration {
  const logger = node.logger.child({ subsystem: 'registration' });
  const dropped = reservedTagsIn(config.serviceTags);
  if (dropped.length > 0)
    logger.warn({ dropped }, 'service_tags may not contain tags the node state sets; ignoring them');
  const client = new ConsulClient(consulClientOptions(config));
  const registration = new ConsulRegistration({
    client,
    settings: config,
    apiAddr: node.apiAddr,
    state: node.state,
    logger,
    ...(node.nodeId === undefined ? {} : { nodeId: node.nodeId }),
  });
  registration.start();
  logger.info(
    { service: registration.identity.name, serviceId: registration.identity.serviceId, source: config.source },
    'registering in Consul',
  );
  return {
    identity: registration.identity,
    settled: (timeoutMs) => registration.settled(timeoutMs),
    async stop() {
      try {
        await registration.stop();
      } finally {
        client.close();
      }
    },
  };
}
