import type { ServiceRegistrationConfig } from '../../src/config/types.js';
import type { NodeState } from '../../src/core/node-state.js';
import type { Logger } from '../../src/helper/logger.js';
import { ConsulClient } from '../client/client.js';
import { consulClientOptions } from '../contract.js';
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

/**
 * Registers this node in Consul as configured (`service_registration "consul"` or the Consul
 * storage) and keeps the registration in step with `state` until stopped. Never throws for Consul
 * being unreachable: that is logged and retried.
 */
export function startConsulRegistration(
  config: ServiceRegistrationConfig,
  node: {
    readonly apiAddr: string;
    readonly state: NodeState;
    readonly logger: Logger;
    readonly nodeId?: string;
  },
): RunningRegistration {
  const logger = node.logger.child({ subsystem: 'registration' });
  const dropped = reservedTagsIn(config.serviceTags);
  if (dropped.length > 0)
    logger.warn({ dropped }, 'service_tags may not contain tags the node state sets; ignoring them');
  // A handful of requests at a time; never queue behind a storage backend's traffic.
  const client = new ConsulClient(consulClientOptions(config, { maxParallel: 4 }));
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
    {
      service: registration.identity.name,
      serviceId: registration.identity.serviceId,
      source: config.source,
    },
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
