/**
 * The dev cluster's layout: node1 on -base-port, node2 ten ports up, …, each with its config
 * (src/cluster/tresor-node.ts) plus a cluster name, the UI and no mlock.
 */
import { LOOPBACK } from '../../helper/ports.js';
import type { ManagedProcess } from '../../cluster/managed-process.js';
import { type NodeSpec, nodeConfig } from '../../cluster/tresor-node.js';

/** The KV prefix the dev cluster's nodes keep their (encrypted) data under. */
export const DEV_STORAGE_PATH = 'tresor/';

/** One node of the dev cluster. */
export interface DevNode extends NodeSpec {
  process?: ManagedProcess;
}

/** The nodes' names and ports: node1 on `basePort`, node2 on basePort + 10, … */
export function planNodes(count: number, basePort: number): DevNode[] {
  return Array.from({ length: count }, (_, i) => {
    const port = basePort + 10 * i;
    return { name: `node${i + 1}`, port, addr: `http://${LOOPBACK}:${port}` };
  });
}

/** A dev node's configuration file. */
export function devNodeConfig(node: NodeSpec, consulHttpAddr: string): string {
  return nodeConfig(node, {
    consulHttpAddr,
    storagePath: DEV_STORAGE_PATH,
    header: `${node.name} of a tresor dev cluster (written by \`tresor dev-cluster\`; development only)`,
    extra: ['cluster_name  = "tresor-dev"', 'ui            = true', 'disable_mlock = true'],
  });
}
