/** The names under which a node is registered in Consul, derived from its api_addr as Vault does. */
import { apiHostPort, serviceId as serviceIdOf } from '../contract.js';

/** The name of the instance's one check (Vault's). */
export const SEALED_CHECK_NAME = 'Vault Sealed Status';

/** Where and under which ids a node's service instance lives. */
export interface ServiceIdentity {
  /** Service name ("vault" by default). */
  readonly name: string;
  /** `<service>:<api host>:<api port>` ("vault:10.0.0.5:8200"), Vault's format. */
  readonly serviceId: string;
  /** `<service id>:vault-sealed-check`. */
  readonly checkId: string;
  /** Advertised address: service_address when configured ("" = the agent's node address), else the api_addr host. */
  readonly address: string;
  /** The api_addr port (80/443 when the URL has none). */
  readonly port: number;
}

/** The service instance of the node whose client URL is `apiAddr`. */
export function serviceIdentity(service: string, apiAddr: string, serviceAddress?: string): ServiceIdentity {
  const { host, port } = apiHostPort(apiAddr);
  const serviceId = serviceIdOf(service, { host, port });
  return {
    name: service,
    serviceId,
    checkId: `${serviceId}:vault-sealed-check`,
    address: serviceAddress ?? host,
    port,
  };
}
