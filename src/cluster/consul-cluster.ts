/**
 * A Consul topology on loopback as production runs it: one server (`consul agent -dev`, or a durable
 * one), or a cluster of `servers` durable servers that elect a leader among them, and `clients`
 * client agents joined to them, each with its own node name, data folder, HTTP and serf LAN port, so
 * that every tresor node can talk to its own agent (and an agent can be frozen on its own). Ready
 * once every client sees the server as leader and the server's catalog has every client with a
 * passing `serfHealth` (what a lock session's node check needs).
 */
import { join } from 'node:path';
import { type ConsulAgentProcess, leaderOf, startConsulAgent } from './consul-agent.js';
import type { LineSink } from './managed-process.js';
import { LOOPBACK, freePorts } from '../helper/ports.js';

/**
 * Awaits every start; when any fails, stops those that started and throws with every failure: a
 * server that waited in vain for a quorum is only a symptom of the one that could not start.
 */
async function startAll(starts: readonly Promise<ConsulAgentProcess>[]): Promise<ConsulAgentProcess[]> {
  const settled = await Promise.allSettled(starts);
  const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  if (failed.length === 0) return ok;
  await Promise.all(ok.map((a) => a.process.stop('SIGKILL', 0)));
  if (failed.length === 1) throw failed[0];
  const message = failed.map((e, i) => `(${i + 1}) ${e instanceof Error ? e.message : String(e)}`).join('\n');
  throw new AggregateError(failed, `${failed.length} Consul agents failed to start:\n${message}`);
}

/** Options of startConsulCluster. */
export interface ConsulClusterOptions {
  readonly binary: string;
  /** How many client agents to join to the servers. */
  readonly clients: number;
  /**
   * How many servers (default 1). More than one: durable servers (raft on disk) that elect a leader
   * among them; one: a dev server, unless `durable`.
   */
  readonly servers?: number;
  /** One durable server (raft on disk, survives halt()/resume()) instead of a dev server. */
  readonly durable?: boolean;
  /** Parent folder of the agents' data folders (`server`, `server1`, …, `client0`, …). */
  readonly dataDir: string;
  /** Node names are `<prefix>-server`, `<prefix>-server1`, …, `<prefix>-client0`, … */
  readonly namePrefix: string;
  /** The first server's DNS port; -1 (the default) turns it off. */
  readonly serverDnsPort?: number;
  /** Ports no agent may take. */
  readonly reserved?: ReadonlySet<number>;
  readonly env?: NodeJS.ProcessEnv;
  readonly relay?: LineSink;
  readonly nameWidth?: number;
  /** Run every agent in its own process group. */
  readonly detached?: boolean;
  /** The first server's HTTP port (default: a free one). */
  readonly serverHttpPort?: number;
}

/** A running server with its client agents. */
export interface ConsulCluster {
  /** The first server. */
  readonly server: ConsulAgentProcess;
  /** Every server, the first one first. */
  readonly servers: readonly ConsulAgentProcess[];
  /** The server that is Raft leader now (as a running server sees it); undefined when none is. */
  leader(): Promise<ConsulAgentProcess | undefined>;
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

async function allReady(cluster: Pick<ConsulCluster, 'server' | 'clients'>): Promise<string[]> {
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

/** Starts the servers (in parallel: they wait for each other), then the clients; resolves once ready(). */
export async function startConsulCluster(options: ConsulClusterOptions): Promise<ConsulCluster> {
  const reserved = new Set(options.reserved ?? []);
  const count = options.servers ?? 1;
  if (options.serverHttpPort !== undefined) reserved.add(options.serverHttpPort);
  const serverHttp = await freePorts(count, false, reserved);
  if (options.serverHttpPort !== undefined) serverHttp[0] = options.serverHttpPort;
  for (const p of serverHttp) reserved.add(p);
  const serfPorts = await freePorts(count, true, reserved);
  for (const p of serfPorts) reserved.add(p);
  const common = {
    binary: options.binary,
    reserved,
    claim: new Set<number>(),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.relay === undefined ? {} : { relay: options.relay }),
    ...(options.nameWidth === undefined ? {} : { nameWidth: options.nameWidth }),
    detached: options.detached === true,
  };
  const durable = count > 1 || options.durable === true;
  const peers = serfPorts.map((p) => `${LOOPBACK}:${p}`);
  const servers = await startAll(
    serverHttp.map((httpPort, i) =>
      startConsulAgent({
        ...common,
        httpPort,
        ...(i === 0 && options.serverDnsPort !== undefined ? { dnsPort: options.serverDnsPort } : {}),
        dataDir: join(options.dataDir, i === 0 ? 'server' : `server${i}`),
        nodeName: `${options.namePrefix}-server${i === 0 ? '' : String(i)}`,
        serfLanPort: serfPorts[i] ?? 0,
        ...(durable ? { durable: true, bootstrapExpect: count } : {}),
        ...(count > 1 ? { joinSerfLan: peers.filter((_, j) => j !== i) } : {}),
      }),
    ),
  );
  const server = servers[0];
  if (server === undefined) throw new Error('a Consul cluster needs at least one server');
  let clients: ConsulAgentProcess[];
  try {
    const httpPorts = await freePorts(options.clients, false, reserved);
    for (const p of httpPorts) reserved.add(p);
    // startAll stops the clients that started when one fails; the servers are stopped here.
    clients = await startAll(
      httpPorts.map((httpPort, i) =>
        startConsulAgent({
          ...common,
          httpPort,
          dataDir: join(options.dataDir, `client${i}`),
          nodeName: `${options.namePrefix}-client${i}`,
          joinSerfLan: peers,
        }),
      ),
    );
  } catch (err) {
    await Promise.all(servers.map((c) => c.process.stop('SIGKILL', 0)));
    throw err;
  }
  const parts = { server, clients };
  const cluster: ConsulCluster = {
    ...parts,
    servers,
    async leader() {
      for (const s of servers) {
        if (!s.process.running()) continue;
        const addr = await leaderOf(s.httpAddr);
        if (addr !== '') return servers.find((x) => x.serverAddr === addr);
      }
      return undefined;
    },
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
      await Promise.all(servers.map((s) => s.process.stop('SIGKILL', 0)));
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
