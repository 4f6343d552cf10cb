import type { ServiceRegistrationConfig } from '../../src/config/types.js';
import type { NodeState } from '../../src/core/node-state.js';
import type { Logger } from '../../src/helper/logger.js';
import { ConsulClient } from '../client/client.js';
import { consulClientOptions } from '../contract.js';
import { ConsulRegistration } from './consul-registration.js';
import { reservedTagsIn } from './derive.js';
import { markPeerDown, type PeerDownResult } from './peer-down.js';
import { serviceIdentity, type ServiceIdentity } from './service-identity.js';

/** A running registration: `stop()` deregisters the service and closes its Consul connection. */
export interface RunningRegistration {
  readonly identity: ServiceIdentity;
  /** Resolves once Consul carries the tags of the current state (false after `timeoutMs`). */
  settled(timeoutMs: number): Promise<boolean>;
  /**
   * Marks the instance of the peer whose client URL is `apiAddr` critical and not active in Consul,
   * through this node's agent (see peer-down.ts). Never throws; refuses (`failed`) this node's own
   * api_addr and calls after stop().
   */
  markPeerDown(apiAddr: string, options?: { readonly reason?: string }): Promise<PeerDownResult>;
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
  // One request at most as long as the check's TTL: after that the peer's own check has run out.
  const markTimeoutMs = Math.min(5000, Math.max(1000, Math.round(config.checkTimeout * 1000)));
  let stopped = false;
  return {
    identity: registration.identity,
    settled: (timeoutMs) => registration.settled(timeoutMs),
    async markPeerDown(apiAddr, options = {}) {
      const own = registration.identity.serviceId;
      const peer = peerServiceId(config.service, apiAddr);
      if (stopped || peer === own) {
        const error = stopped
          ? 'the registration is stopped'
          : "refusing to mark this node's own instance down";
        logger.warn({ serviceId: peer, err: error }, 'not marking the peer down in Consul');
        return { outcome: 'failed', serviceId: peer, markedOn: [], error };
      }
      return markPeerDown(client, config, apiAddr, {
        logger,
        detectedBy: node.apiAddr,
        timeoutMs: markTimeoutMs,
        ...(options.reason === undefined ? {} : { reason: options.reason }),
      });
    },
    async stop() {
      stopped = true;
      try {
        await registration.stop();
      } finally {
        client.close();
      }
    },
  };
}

/** The service id of `apiAddr`, "" when it cannot be parsed (markPeerDown then reports why). */
function peerServiceId(service: string, apiAddr: string): string {
  try {
    return serviceIdentity(service, apiAddr).serviceId;
  } catch {
    return '';
  }
}
