/**
 * A Consul topology on loopback as production runs it: one server (`consul agent -dev`) and `clients`
 * client agents joined to it, each with its own node name, data folder, HTTP and serf LAN port, so
 * that every tresor node can talk to its own agent (and an agent can be frozen on its own). Ready
 * once every client sees the server as leader and the server's catalog has every client with a
 * passing `serfHealth` (what a lock session's node check needs).
 */
import { join } from 'node:path';
import { type ConsulAgentProcess, leaderOf, startConsulAgent } from './consul-agent.js';
import type { LineSink } from './managed-process.js';
import { freePorts } from '../helper/ports.js';

/** Options of startConsulCluster. */
export interface ConsulClusterOptions {
  readonly binary: string;
  /** How many client agents to join to the server. */
  readonly clients: number;
  /** Parent folder of the agents' data folders (`server`, `client0`, …). */
  readonly dataDir: string;
  /** Node names are `<prefix>-server`, `<prefix>-client0`, … */
  readonly namePrefix: string;
  /** The server's DNS port; -1 (the default) turns it off. */
  readonly serverDnsPort?: number;
  /** Ports no agent may take. */
  readonly reserved?: ReadonlySet<number>;
  readonly env?: NodeJS.ProcessEnv;
  readonly relay?: LineSink;
}

/** A running server with its client agents. */
export interface ConsulCluster {
  readonly server: ConsulAgentProcess;
  /** The client agents, in order (freeze one with `process.pid`). */
  readonly clients: readonly ConsulAgentProcess[];
  /** Waits until every client sees a leader and is alive (serfHealth passing) in the server's catalog. */
  ready(timeoutMs?: number): Promise<void>;
  /** Kills the clients, then the server. */
  stop(): Promise<void>;
}

async function json(url: string): Promise<unknown> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return undefined;
    return (await res.json()) as unknown;
  } catch {
    return undefined;
  }
}

/** Whether the server's catalog has `node` with a passing serfHealth check. */
async function serfHealthy(serverHttp: string, node: string): Promise<boolean> {
  const checks = await json(`http://${serverHttp}/v1/health/node/${encodeURIComponent(node)}`);
  if (!Array.isArray(checks)) return false;
  return checks.some((c: { CheckID?: unknown; Status?: unknown }) => {
    return c.CheckID === 'serfHealth' && c.Status === 'passing';
  });
}

async function allReady(cluster: Omit<ConsulCluster, 'ready' | 'stop'>): Promise<string[]> {
  const waiting: string[] = [];
  await Promise.all(
    cluster.clients.map(async (client) => {
      const leader = await leaderOf(client.httpAddr);
      if (leader === '' || !(await serfHealthy(cluster.server.httpAddr, client.nodeName)))
        waiting.push(client.nodeName);
    }),
  );
  return waiting;
}

/** Starts the server, then the clients (in parallel); resolves once ready(). */
export async function startConsulCluster(options: ConsulClusterOptions): Promise<ConsulCluster> {
  const reserved = new Set(options.reserved ?? []);
  const [serverHttp = 0] = await freePorts(1, false, reserved);
  reserved.add(serverHttp);
  const common = {
    binary: options.binary,
    reserved,
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.relay === undefined ? {} : { relay: options.relay }),
  };
  const server = await startConsulAgent({
    ...common,
    httpPort: serverHttp,
    ...(options.serverDnsPort === undefined ? {} : { dnsPort: options.serverDnsPort }),
    dataDir: join(options.dataDir, 'server'),
    nodeName: `${options.namePrefix}-server`,
  });
  const clients: ConsulAgentProcess[] = [];
  try {
    const httpPorts = await freePorts(options.clients, false, reserved);
    for (const p of httpPorts) reserved.add(p);
    const started = await Promise.allSettled(
      httpPorts.map((httpPort, i) =>
        startConsulAgent({
          ...common,
          httpPort,
          dataDir: join(options.dataDir, `client${i}`),
          nodeName: `${options.namePrefix}-client${i}`,
          joinSerfLan: server.serfLanAddr,
        }),
      ),
    );
    for (const s of started) if (s.status === 'fulfilled') clients.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  } catch (err) {
    await Promise.all(clients.map((c) => c.process.stop('SIGKILL', 0)));
    await server.process.stop('SIGKILL', 0);
    throw err;
  }
  const parts = { server, clients };
  const cluster: ConsulCluster = {
    ...parts,
    async ready(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const waiting = await allReady(parts);
        if (waiting.length === 0) return;
        if (Date.now() > deadline)
          throw new Error(
            `consul client agents not joined and alive within ${timeoutMs} ms: ${waiting.join(', ')}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      await Promise.all(clients.map((c) => c.process.stop('SIGKILL', 0)));
      await server.process.stop('SIGKILL', 0);
    },
  };
  try {
    await cluster.ready();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
