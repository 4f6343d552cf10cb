/**
 * `tresor dev-cluster`: a Consul dev agent and N tresor nodes on loopback, initialised and
 * unsealed like an operator would, the DNS resolver embedded when this build has it; then it
 * watches the nodes' roles until SIGINT / SIGTERM / SIGHUP, stops the nodes (standbys first, then
 * the active one; each steps down and deregisters on SIGTERM), then Consul, and removes its
 * temporary folder. A second signal kills whatever is still running at once.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bootstrapCluster, mountSecretKv, waitForRoles } from '../../cluster/bootstrap.js';
import {
  type ConsulAgentProcess,
  resolveConsulBinary,
  startConsulAgent,
} from '../../cluster/consul-agent.js';
import { type NodeRole, roleOf } from '../../cluster/node-api.js';
import { startConsulCluster } from '../../cluster/consul-cluster.js';
import { nodeEnv, startTresorServer, tresorInvocation } from '../../cluster/tresor-node.js';
import { LOOPBACK, freePorts, preferredPort, tcpFree } from '../../helper/ports.js';
import type { CliIo } from '../output/io.js';
import { banner } from './banner.js';
import { type EmbeddedResolver, startEmbeddedResolver, systemUpstreams } from './dns.js';
import { KEYS_FILE_WARNING, SECRET_SHARES, SECRET_THRESHOLD, writeKeysFile } from './keys-file.js';
import { type DevNode, DEV_STORAGE_PATH, devNodeConfig, planNodes } from './nodes.js';

/** The options of `tresor dev-cluster`. */
export interface DevClusterOptions {
  readonly nodes: number;
  readonly basePort: number;
  /** Path of the consul binary; "" to resolve it with consul/ensure-consul.sh. */
  readonly consulBin: string;
  /** Preferred Consul HTTP port; a free one is used when it is busy (0: any free port). */
  readonly consulPort: number;
  /** Where the keys file goes and stays; "" for the temporary folder, removed at the end. */
  readonly dir: string;
  /** Preferred resolver port (udp and tcp); 0: any free port; -1: no resolver. */
  readonly dnsPort: number;
  readonly logLevel: string;
  /** Consul servers: 1 (a dev agent) or 3 or 5 (durable servers that elect a leader). */
  readonly consulServers: number;
  /** A Consul client agent per node, each node's storage on its own agent, as in production. */
  readonly consulAgents: boolean;
}

/** The name of the keys file. */
export const KEYS_FILE_NAME = 'cluster-keys.json';

const GRACE_MS = 10_000;
/** Signals this soon after the first one are the same Ctrl-C, relayed by a wrapper (npm, tsx). */
const SAME_SIGNAL_MS = 1000;

class Interrupted extends Error {}

/** Runs the dev cluster until a signal; returns the exit code. */
export async function runDevCluster(options: DevClusterOptions, io: CliIo): Promise<number> {
  const say = (text: string): void => void io.stdout.write(`${text}\n`);
  const relay = (line: string): void => void io.stderr.write(`${line}\n`);
  const stop = new AbortController();
  const nodes = planNodes(options.nodes, options.basePort);
  /** The (first) Consul server: what the banner, the keys file and the resolver use. */
  let consul: ConsulAgentProcess | undefined;
  /** Every Consul agent, in stopping order: client agents first, then the servers. */
  let agents: ConsulAgentProcess[] = [];
  let resolver: EmbeddedResolver | undefined;
  let watcher: NodeJS.Timeout | undefined;
  let exitCode = 0;
  const roles = new Map<string, NodeRole>();
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!stop.signal.aborted) {
      firstSignalAt = Date.now();
      say(`==> ${signal} received: stopping the dev cluster (again to kill it at once)`);
      stop.abort(signal);
      return;
    }
    // One Ctrl-C can arrive several times: from the terminal and relayed by npm and tsx.
    if (Date.now() - firstSignalAt < SAME_SIGNAL_MS) return;
    say(`==> ${signal} received again: killing every process of the dev cluster`);
    for (const child of [...agents.map((a) => a.process), ...nodes.map((n) => n.process)])
      void child?.stop('SIGKILL', 0);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  const checkpoint = (): void => {
    if (stop.signal.aborted) throw new Interrupted('interrupted');
  };

  const workDir = await mkdtemp(join(tmpdir(), 'tresor-dev-'));
  const keysDir = options.dir === '' ? workDir : resolve(options.dir);
  const keysFile = join(keysDir, KEYS_FILE_NAME);
  const nameWidth = Math.max('consul'.length, ...nodes.map((n) => n.name.length));
  try {
    await mkdir(join(workDir, 'nodes'), { mode: 0o700 });
    await mkdir(join(workDir, 'consul'), { mode: 0o700 });
    if (options.dir !== '') await mkdir(keysDir, { recursive: true, mode: 0o700 });
    for (const node of nodes) {
      if (!(await tcpFree(node.port))) {
        throw new Error(`port ${node.port} (${node.name}) is in use; choose other ports with -base-port`);
      }
    }
    const reserved = new Set(nodes.flatMap((n) => [n.port, n.port + 1]));
    const consulPort = await preferredPort(options.consulPort, false, reserved);
    reserved.add(consulPort.port);
    const dnsPort = options.dnsPort < 0 ? undefined : await preferredPort(options.dnsPort, true, reserved);
    if (dnsPort !== undefined) reserved.add(dnsPort.port);
    const [dnsHttpPort] = await freePorts(1, false, reserved);
    if (dnsHttpPort !== undefined) reserved.add(dnsHttpPort);

    const binary = await resolveConsulBinary(options.consulBin, io.env, say);
    checkpoint();
    say(
      `==> Starting Consul (${binary}) on ${LOOPBACK}:${consulPort.port}${consulPort.moved ? ` (${options.consulPort} is busy)` : ''}` +
        (options.consulServers > 1 ? `: ${options.consulServers} servers` : '') +
        (options.consulAgents ? `, a client agent per node` : ''),
    );
    const common = { binary, reserved, env: io.env, relay, nameWidth, detached: true };
    let nodeAgents: readonly ConsulAgentProcess[] = [];
    if (options.consulServers === 1 && !options.consulAgents) {
      consul = await startConsulAgent({
        ...common,
        httpPort: consulPort.port,
        dataDir: join(workDir, 'consul'),
        nodeName: 'tresor-dev',
      });
      agents = [consul];
    } else {
      const cluster = await startConsulCluster({
        ...common,
        servers: options.consulServers,
        clients: options.consulAgents ? nodes.length : 0,
        serverHttpPort: consulPort.port,
        dataDir: join(workDir, 'consul'),
        namePrefix: 'tresor-dev',
      });
      consul = cluster.server;
      nodeAgents = cluster.clients;
      agents = [...cluster.clients, ...cluster.servers];
      for (const a of agents) say(`==> Consul ${a.nodeName}: http://${a.httpAddr} (pid ${a.process.pid})`);
    }
    // A lone dev agent takes the cluster with it; of a Consul cluster, one agent may go (kill the
    // leader to watch an election) and the rest carries on.
    const alone = agents.length === 1;
    for (const agent of agents)
      void agent.process.exited.then((how) => {
        if (stop.signal.aborted) return;
        if (!alone) {
          say(`==> Consul ${agent.nodeName} ${how}; the other agents carry on`);
          return;
        }
        say(`==> Consul ${how}: stopping the dev cluster`);
        exitCode = 1;
        stop.abort('consul');
      });
    checkpoint();

    say(`==> Starting ${nodes.length} tresor node(s) on storage "consul" (${DEV_STORAGE_PATH})`);
    const consulAddr = consul.httpAddr;
    const invocation = tresorInvocation();
    await Promise.all(
      nodes.map(async (node, i) => {
        const configPath = join(workDir, 'nodes', `${node.name}.hcl`);
        const agentAddr = nodeAgents[i]?.httpAddr ?? consulAddr;
        await writeFile(configPath, devNodeConfig(node, agentAddr), { mode: 0o600 });
        const child = await startTresorServer({
          name: node.name,
          invocation,
          args: [`-config=${configPath}`, `-log-level=${options.logLevel}`],
          readyUrl: `${node.addr}/v1/sys/seal-status`,
          env: nodeEnv(io.env),
          relay,
          nameWidth,
          detached: true,
          onSpawn: (spawned) => {
            node.process = spawned;
          },
        });
        void child.exited.then((how) => {
          if (!stop.signal.aborted) say(`==> ${node.name} (${node.addr}) ${how}`);
        });
      }),
    );
    checkpoint();

    const first = nodes[0];
    if (first === undefined) throw new Error('a cluster needs at least one node');
    say(
      `==> Initialising through ${first.name} (${SECRET_SHARES} key shares, threshold ${SECRET_THRESHOLD}) and unsealing every node`,
    );
    const init = await bootstrapCluster(nodes, {
      shares: SECRET_SHARES,
      threshold: SECRET_THRESHOLD,
      parallel: true,
      onInit: (keys) =>
        writeKeysFile(keysFile, {
          WARNING: KEYS_FILE_WARNING,
          unseal_keys_b64: keys.keysB64,
          unseal_keys_hex: keys.keysHex,
          unseal_shares: SECRET_SHARES,
          unseal_threshold: SECRET_THRESHOLD,
          root_token: keys.rootToken,
          consul_http_addr: consulAddr,
          nodes: nodes.map((n) => ({ name: n.name, api_addr: n.addr })),
        }),
    });
    // Through the active node: a standby that has just settled may not know the active's address yet.
    const settled = await waitForRoles(nodes);
    await mountSecretKv(nodes[settled.indexOf('active')] ?? first, init.rootToken);
    checkpoint();

    if (dnsPort !== undefined && dnsHttpPort !== undefined) {
      resolver = await startEmbeddedResolver({
        consul: { address: consul.httpAddr, path: DEV_STORAGE_PATH, service: 'vault' },
        listener: { address: `${LOOPBACK}:${dnsPort.port}` },
        http: { address: `${LOOPBACK}:${dnsHttpPort}` },
        domain: 'consul',
        upstreams: systemUpstreams(dnsPort.port),
        log_level: options.logLevel,
      });
    }
    checkpoint();

    for (const n of nodes) roles.set(n.name, await roleOf(n.addr));
    say(
      banner({
        consul: { httpAddr: consul.httpAddr, pid: consul.process.pid, moved: consulPort.moved },
        nodes: nodes.map((n) => ({
          name: n.name,
          addr: n.addr,
          pid: n.process?.pid ?? 0,
          role: roles.get(n.name) ?? 'unknown',
        })),
        dns: resolver ?? (dnsPort === undefined ? 'disabled' : 'unavailable'),
        keysFile,
        keysKept: options.dir !== '',
        rootToken: init.rootToken,
        storagePath: DEV_STORAGE_PATH,
        configDir: join(workDir, 'nodes'),
      }),
    );
    watcher = watchRoles(nodes, roles, say);
    await new Promise<void>((done) => {
      if (stop.signal.aborted) done();
      stop.signal.addEventListener('abort', () => {
        done();
      });
    });
  } catch (err) {
    if (!(err instanceof Interrupted)) {
      say(`Error starting the dev cluster: ${(err as Error).message}`);
      exitCode = 1;
    }
    if (!stop.signal.aborted) stop.abort('error');
  } finally {
    clearInterval(watcher);
    await shutDown({ nodes, roles, agents, resolver, say });
    await rm(workDir, { recursive: true, force: true });
    for (const s of signals) process.off(s, onSignal);
    say(
      options.dir === ''
        ? '==> Stopped; temporary files removed'
        : `==> Stopped; the keys file stays in ${keysFile}`,
    );
  }
  return exitCode;
}

/** Polls the nodes' sys/health every second and prints each change of role. */
function watchRoles(
  nodes: readonly DevNode[],
  roles: Map<string, NodeRole>,
  say: (text: string) => void,
): NodeJS.Timeout {
  let busy = false;
  return setInterval(() => {
    if (busy) return;
    busy = true;
    void Promise.all(
      nodes.map(async (node) => {
        if (node.process?.running() !== true) return;
        const role = await roleOf(node.addr, 900);
        if (role !== roles.get(node.name)) say(`==> ${node.name} (${node.addr}) is now ${role}`);
        roles.set(node.name, role);
      }),
    ).finally(() => {
      busy = false;
    });
  }, 1000);
}

/** Stops the resolver, the nodes (standbys first, then the active one), then Consul. */
async function shutDown(parts: {
  nodes: readonly DevNode[];
  roles: ReadonlyMap<string, NodeRole>;
  agents: readonly ConsulAgentProcess[];
  resolver: EmbeddedResolver | undefined;
  say: (text: string) => void;
}): Promise<void> {
  const { nodes, roles, agents, resolver, say } = parts;
  if (resolver !== undefined) {
    await Promise.resolve(resolver.stop()).catch((err: unknown) => {
      say(`==> The DNS resolver did not stop cleanly: ${(err as Error).message}`);
    });
  }
  const running = nodes.filter((n) => n.process?.running() === true);
  const active = running.filter((n) => roles.get(n.name) === 'active');
  const others = running.filter((n) => roles.get(n.name) !== 'active');
  for (const group of [others, active]) {
    if (group.length === 0) continue;
    say(`==> Stopping ${group.map((n) => `${n.name} (${roles.get(n.name) ?? 'starting'})`).join(', ')}`);
    await Promise.all(group.map((n) => n.process?.stop('SIGTERM', GRACE_MS) ?? Promise.resolve()));
  }
  const agentsUp = agents.filter((a) => a.process.running());
  if (agentsUp.length > 0) say('==> Stopping Consul');
  // Client agents first, then the servers; each group at once.
  for (const group of [
    agentsUp.filter((a) => a.serverAddr === ''),
    agentsUp.filter((a) => a.serverAddr !== ''),
  ])
    await Promise.all(
      group.map((agent) => {
        agent.process.mute(); // its shutdown is a page of warnings about closed watches
        return agent.process.stop('SIGINT', GRACE_MS);
      }),
    );
}
