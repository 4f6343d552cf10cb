/**
 * Marking another node's service instance down in Consul the moment this node knows it is gone,
 * instead of waiting for the dead node's TTL check to run out (check_timeout, 5 s by default).
 *
 * Every node registers on its own agent, and agents listen on localhost, so a surviving node writes
 * the catalog through its own agent: PUT /v1/catalog/register with SkipNodeUpdate, the dead node's
 * name, its sealed check critical with an output saying why, and — if the instance carries it — the
 * service again without the `active` tag. With SkipNodeUpdate on an existing node Consul asks only
 * for service:write on the service (consul/deploy/tresor-policy.hcl grants it for `vault`), not
 * node:write.
 *
 * What happens afterwards is the dead node's agent's business: it keeps its local copy and writes
 * it back when that copy changes (its TTL check expiring: critical again) or on its periodic
 * anti-entropy run (the `active` tag comes back, with the check critical). A node marked down by
 * mistake heals the same way: its agent writes its passing copy back on its next change (the
 * registration re-registers on every state change) or anti-entropy run; a plain TTL refresh with an
 * unchanged status and output is not a change to the agent and does not heal it.
 *
 * Never throws: Consul being unreachable, a refused token (403) or a cancelled call all come back as
 * `failed` with the reason (logged at warn). The caller cannot do anything about them, and the
 * dead node's check runs out on its own within check_timeout anyway.
 */
import type { Logger } from '../../src/helper/logger.js';
import { ConsulCatalog, type ServiceInstance } from '../client/catalog.js';
import type { CatalogServiceUpdate, ConsulClient } from '../client/client.js';
import { ACTIVE_TAG } from './derive.js';
import { SEALED_CHECK_NAME, serviceIdentity } from './service-identity.js';

/**
 * - `marked`: every instance registered for the api_addr is now critical in the catalog, without `active`;
 * - `already-down`: they all were already (nothing written);
 * - `not-registered`: the catalog has no instance for that api_addr;
 * - `failed`: Consul could not be asked or refused (see `error`); nothing is known to be written.
 */
export type PeerDownOutcome = 'marked' | 'already-down' | 'not-registered' | 'failed';

export interface PeerDownResult {
  readonly outcome: PeerDownOutcome;
  /** The service id looked for (`vault:<host>:<port>`); "" when the api_addr could not be parsed. */
  readonly serviceId: string;
  /** Consul nodes whose instance was written. */
  readonly markedOn: readonly string[];
  readonly error?: string;
}

export interface MarkPeerDownOptions {
  readonly logger?: Logger;
  /** The api_addr of the node that noticed; it goes into the check output. */
  readonly detectedBy?: string;
  /** Why the node is down, for the check output (default "the node's process is gone"). */
  readonly reason?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Marks the instance of `target.service` registered for `apiAddr` (the peer's client URL, as its
 * lock advertisement names it) critical with the `active` tag removed, through `client`.
 */
export async function markPeerDown(
  client: ConsulClient,
  target: { readonly service: string; readonly serviceAddress?: string },
  apiAddr: string,
  options: MarkPeerDownOptions = {},
): Promise<PeerDownResult> {
  const log = options.logger;
  let identity: { readonly serviceId: string; readonly checkId: string };
  try {
    identity = serviceIdentity(target.service, apiAddr, target.serviceAddress);
  } catch (err) {
    return failed(log, '', [], err);
  }
  const { serviceId, checkId } = identity;
  const call = {
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  let instances: ServiceInstance[];
  try {
    instances = (await new ConsulCatalog(client).serviceInstances(target.service, serviceId, call)).value;
  } catch (err) {
    return failed(log, serviceId, [], err);
  }
  if (instances.length === 0) {
    log?.info({ serviceId }, 'peer is not registered in Consul; nothing to mark down');
    return { outcome: 'not-registered', serviceId, markedOn: [] };
  }
  const output = `tresor: ${options.reason ?? "the node's process is gone"}${
    options.detectedBy === undefined ? '' : ` (detected by ${options.detectedBy})`
  }`;
  const markedOn: string[] = [];
  for (const instance of instances) {
    const update = downUpdate(instance, checkId, output);
    if (update === undefined) continue;
    try {
      await client.catalogRegister(update, call);
    } catch (err) {
      return failed(log, serviceId, markedOn, err);
    }
    markedOn.push(instance.node);
  }
  if (markedOn.length === 0) {
    log?.debug({ serviceId }, 'peer is already critical and not active in Consul');
    return { outcome: 'already-down', serviceId, markedOn };
  }
  log?.info({ serviceId, nodes: markedOn, output }, 'marked peer down in Consul');
  return { outcome: 'marked', serviceId, markedOn };
}

/** The catalog write that makes `instance` critical and not active; undefined when it already is. */
function downUpdate(
  instance: ServiceInstance,
  checkId: string,
  output: string,
): CatalogServiceUpdate | undefined {
  const check = instance.checks.find((c) => c.checkId === checkId);
  const active = instance.service.tags.includes(ACTIVE_TAG);
  if (!active && check?.status === 'critical') return undefined;
  return {
    node: instance.node,
    nodeAddress: instance.nodeAddress,
    ...(active
      ? { service: { ...instance.service, tags: instance.service.tags.filter((t) => t !== ACTIVE_TAG) } }
      : {}),
    checks: [
      {
        id: checkId,
        name: check?.name ?? SEALED_CHECK_NAME,
        serviceId: instance.service.id,
        status: 'critical',
        output,
        ...(check === undefined || check.notes === '' ? {} : { notes: check.notes }),
      },
    ],
  };
}

function failed(
  log: Logger | undefined,
  serviceId: string,
  markedOn: readonly string[],
  err: unknown,
): PeerDownResult {
  const error = err instanceof Error ? err.message : String(err);
  log?.warn(
    { serviceId, markedOn, err: error },
    'could not mark the peer down in Consul; its check goes critical when its TTL runs out',
  );
  return { outcome: 'failed', serviceId, markedOn, error };
}
