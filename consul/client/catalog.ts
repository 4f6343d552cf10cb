/**
 * Catalog and health reads (blocking-query aware) on top of ConsulClient, for the DNS resolver's
 * view of Consul: the services in the catalog, the instances of one service with their checks, and
 * the nodes. They run through the client's own request path (connection, token, TLS, timeouts,
 * cancellation, error mapping), so Consul is still reached through the one adapter.
 */
import type { CallOptions, CatalogServiceDefinition } from './client-types.js';
import type { ConsulClient } from './client.js';
import { indexOf } from './decode.js';

/** The status of one health check, as Consul names it. */
export type CheckStatus = 'passing' | 'warning' | 'critical' | 'maintenance';

/** One instance of a service with its node and checks (one entry of /v1/health/service/:name). */
export interface ServiceHealthEntry {
  readonly node: string;
  readonly nodeAddress: string;
  /** The service's ID on its agent (unique per node). */
  readonly serviceId: string;
  readonly service: string;
  /** The service's own address; "" means "the node's address". */
  readonly address: string;
  readonly port: number;
  readonly tags: readonly string[];
  /** Every check of the instance: node checks (serfHealth, ...) and service checks. */
  readonly checks: readonly { readonly checkId: string; readonly status: CheckStatus }[];
}

/**
 * One instance of a service in full, as needed to write it back to the catalog: the node it lives
 * on, every field of the service registration, and its service-level checks with their output.
 */
export interface ServiceInstance {
  readonly node: string;
  readonly nodeAddress: string;
  readonly service: CatalogServiceDefinition;
  /** Checks of this instance only (node checks such as serfHealth are left out). */
  readonly checks: readonly InstanceCheck[];
}

/** A service-level check of an instance as the catalog holds it. */
export interface InstanceCheck {
  readonly checkId: string;
  readonly name: string;
  readonly serviceId: string;
  readonly status: CheckStatus;
  readonly output: string;
  readonly notes: string;
}

/** One node of the catalog. */
export interface CatalogNode {
  readonly node: string;
  readonly address: string;
}

/** An answer and the X-Consul-Index to block past for the next one. */
export interface Indexed<T> {
  readonly value: T;
  readonly index: bigint;
}

/** Catalog and health reads through a ConsulClient. Pass `index`/`waitMs` for blocking queries. */
export class ConsulCatalog {
  constructor(private readonly client: ConsulClient) {}

  /** Service names in the catalog, each with the union of its instances' tags. */
  async services(call: CallOptions = {}): Promise<Indexed<ReadonlyMap<string, readonly string[]>>> {
    const [res, body] = await this.client.rawRead('catalog.service.list', call, (raw, o) =>
      raw.catalog.service.list(o),
    );
    const services = new Map<string, readonly string[]>();
    if (isRecord(body)) {
      for (const [name, tags] of Object.entries(body)) services.set(name, strings(tags));
    }
    return { value: services, index: indexOf(res) };
  }

  /** Every instance of `service`, healthy or not, with its checks. */
  async serviceHealth(service: string, call: CallOptions = {}): Promise<Indexed<ServiceHealthEntry[]>> {
    const [res, body] = await this.client.rawRead('health.service', call, (raw, o) =>
      raw.health.service({ ...o, service }),
    );
    const entries: ServiceHealthEntry[] = [];
    for (const item of Array.isArray(body) ? (body as unknown[]) : []) {
      const entry = toHealthEntry(item);
      if (entry !== undefined) entries.push(entry);
    }
    return { value: entries, index: indexOf(res) };
  }

  /** The instances of `service` registered under `serviceId`, on whichever nodes (normally one). */
  async serviceInstances(
    service: string,
    serviceId: string,
    call: CallOptions = {},
  ): Promise<Indexed<ServiceInstance[]>> {
    const [res, body] = await this.client.rawRead('health.service', call, (raw, o) =>
      raw.health.service({ ...o, service }),
    );
    const instances: ServiceInstance[] = [];
    for (const item of Array.isArray(body) ? (body as unknown[]) : []) {
      const instance = toInstance(item);
      if (instance?.service.id === serviceId) instances.push(instance);
    }
    return { value: instances, index: indexOf(res) };
  }

  /** The nodes of the catalog with their addresses. */
  async nodes(call: CallOptions = {}): Promise<Indexed<CatalogNode[]>> {
    const [res, body] = await this.client.rawRead('catalog.node.list', call, (raw, o) =>
      raw.catalog.node.list(o),
    );
    const nodes: CatalogNode[] = [];
    for (const item of Array.isArray(body) ? (body as unknown[]) : []) {
      if (!isRecord(item)) continue;
      const node = str(item.Node);
      if (node !== '') nodes.push({ node, address: str(item.Address) });
    }
    return { value: nodes, index: indexOf(res) };
  }
}

function toHealthEntry(item: unknown): ServiceHealthEntry | undefined {
  if (!isRecord(item) || !isRecord(item.Node) || !isRecord(item.Service)) return undefined;
  const checks = (Array.isArray(item.Checks) ? (item.Checks as unknown[]) : []).filter(isRecord).map((c) => ({
    checkId: str(c.CheckID),
    status: checkStatus(c.Status),
  }));
  return {
    node: str(item.Node.Node),
    nodeAddress: str(item.Node.Address),
    serviceId: str(item.Service.ID),
    service: str(item.Service.Service),
    address: str(item.Service.Address),
    port: typeof item.Service.Port === 'number' ? item.Service.Port : 0,
    tags: strings(item.Service.Tags),
    checks,
  };
}

function toInstance(item: unknown): ServiceInstance | undefined {
  if (!isRecord(item) || !isRecord(item.Node) || !isRecord(item.Service)) return undefined;
  const s = item.Service;
  const id = str(s.ID);
  const checks = (Array.isArray(item.Checks) ? (item.Checks as unknown[]) : [])
    .filter(isRecord)
    .filter((c) => id !== '' && str(c.ServiceID) === id)
    .map((c) => ({
      checkId: str(c.CheckID),
      name: str(c.Name),
      serviceId: id,
      status: checkStatus(c.Status),
      output: str(c.Output),
      notes: str(c.Notes),
    }));
  return {
    node: str(item.Node.Node),
    nodeAddress: str(item.Node.Address),
    service: {
      id,
      name: str(s.Service),
      tags: strings(s.Tags),
      address: str(s.Address),
      port: typeof s.Port === 'number' ? s.Port : 0,
      meta: isRecord(s.Meta)
        ? Object.fromEntries(
            Object.entries(s.Meta).filter((e): e is [string, string] => typeof e[1] === 'string'),
          )
        : {},
      enableTagOverride: s.EnableTagOverride === true,
    },
    checks,
  };
}

function checkStatus(value: unknown): CheckStatus {
  return value === 'passing' || value === 'warning' || value === 'maintenance' ? value : 'critical';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
