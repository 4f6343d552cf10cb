import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapCluster, unsealNode } from '../../src/cluster/bootstrap.js';
import { nodeConfig } from '../../src/cluster/tresor-node.js';
import { freePort } from '../../src/helper/ports.js';
import type { ConsulAgentProcess } from '../../src/cluster/consul-agent.js';
import { startConsul, startConsulTopology } from './consul.js';
import type { ConsulAgent, ConsulTopology, ConsulTopologyOptions } from './consul.js';
import { startServerProcess } from './server-process.js';
import type { ServerProcess } from './server-process.js';
import { type ApiResponse, vaultApi } from './vault-api.js';

/** One tresor node of a test cluster: a real server process on storage "consul". */
export interface HaNode {
  readonly name: string;
  readonly addr: string;
  readonly config: string;
  /** The node's own Consul client agent (with `agentPerNode`; freeze it with `process.pid`). */
  readonly consulAgent: ConsulAgentProcess | undefined;
  process: ServerProcess | undefined;
  /** (Re)starts the process and unseals it with the cluster's key. */
  start(): Promise<void>;
}

export interface HaCluster {
  /** The Consul agent the nodes use; with `agentPerNode` the server (its stop() stops every agent). */
  readonly consul: ConsulAgent;
  /** With `agentPerNode`: the server and the client agents, one per node. */
  readonly topology: ConsulTopology | undefined;
  readonly nodes: HaNode[];
  readonly rootToken: string;
  readonly unsealKey: string;
  /** Calls a node's API (test/helpers/vault-api.ts, 10 s timeout). */
  api(node: HaNode, method: string, path: string, body?: unknown, token?: string): Promise<ApiResponse>;
  /** The node whose sys/health says active (200), waiting up to `timeoutMs`. */
  active(timeoutMs?: number): Promise<HaNode>;
  stop(): Promise<void>;
}

function isRunning(n: HaNode): boolean {
  const child = n.process?.child;
  if (child === undefined) return false;
  return child.exitCode === null && child.signalCode === null;
}

function call(
  addr: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<ApiResponse> {
  return vaultApi(addr, method, path, body, { ...(token === undefined ? {} : { token }), timeoutMs: 10_000 });
}

/** Options of startHaCluster. */
export interface HaClusterOptions {
  /** Nodes on 127.0.0.2, 127.0.0.3, … instead of all on 127.0.0.1. */
  readonly distinctIps?: boolean;
  /**
   * One Consul server and one client agent per node (src/cluster/consul-cluster.ts), each node's
   * storage "consul" pointing at its own agent, instead of every node on one dev agent.
   */
  readonly agentPerNode?: boolean;
  /** With `agentPerNode`: the Consul servers (startConsulTopology's `servers` and `durable`). */
  readonly consul?: ConsulTopologyOptions;
}

/**
 * A real Consul dev agent (or a server with one client agent per node) and `count` tresor server
 * processes on it (src/cluster/), started one after the other, initialised (1 key share) and
 * unsealed in order. `extraStorage` adds lines to each node's storage "consul" block.
 */
export async function startHaCluster(
  count: number,
  extraStorage = '',
  opts: HaClusterOptions = {},
): Promise<HaCluster> {
  const topology = opts.agentPerNode === true ? await startConsulTopology(count, opts.consul) : undefined;
  const consul = topology?.server ?? (await startConsul());
  const dir = await mkdtemp(join(tmpdir(), 'tresor-ha-'));
  const nodes: HaNode[] = [];
  let unsealKey = '';
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    // distinct loopback addresses let DNS answers tell the nodes apart
    const ip = opts.distinctIps === true ? `127.0.0.${i + 2}` : '127.0.0.1';
    const addr = `http://${ip}:${port}`;
    const name = `node${i}`;
    const config = join(dir, `${name}.hcl`);
    const consulAgent = topology?.clients[i];
    await writeFile(
      config,
      nodeConfig(
        { name, ip, port, addr },
        {
          consulHttpAddr: consulAgent?.httpAddr ?? consul.httpAddr,
          storagePath: 'tresor/',
          storageExtra: extraStorage,
        },
      ),
    );
    const node: HaNode = {
      name,
      addr,
      config,
      consulAgent,
      process: undefined,
      async start() {
        node.process = await startServerProcess([`-config=${config}`], `${addr}/v1/sys/health`);
        if (unsealKey !== '') await unsealNode(node, [unsealKey], 1);
      },
    };
    nodes.push(node);
  }
  for (const n of nodes) await n.start();
  const init = await bootstrapCluster(nodes, { shares: 1, threshold: 1 });
  unsealKey = init.keysB64[0] ?? '';
  const rootToken = init.rootToken;

  const cluster: HaCluster = {
    consul,
    topology,
    nodes,
    rootToken,
    get unsealKey() {
      return unsealKey;
    },
    api: (node, method, path, body, token) => call(node.addr, method, path, body, token),
    async active(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const n of nodes) {
          if (!isRunning(n)) continue;
          try {
            if ((await call(n.addr, 'GET', 'sys/health')).status === 200) return n;
          } catch {
            // down or busy
          }
        }
        if (Date.now() > deadline) throw new Error('no active node');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.process?.kill() ?? Promise.resolve()));
      await consul.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}
