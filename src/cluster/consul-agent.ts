/**
 * A Consul agent for a local cluster (`tresor dev-cluster`, the tests, bench): the binary from
 * consul/ensure-consul.sh (CONSUL_BIN, PATH, or the cached build), run as `consul agent -dev` (or a
 * durable server of a one- or many-server cluster, or a client agent joined to servers) on loopback with its own data
 * folder, HTTP on the chosen port, DNS on the chosen port or off, the other ports free ones;
 * started once it sees a leader, restartable on the same ports.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOOPBACK, freePorts } from '../helper/ports.js';
import { type LineSink, type ManagedProcess, spawnManaged } from './managed-process.js';

/** How long building Consul from source may take on a cold cache (minutes on a small machine). */
export const CONSUL_BUILD_TIMEOUT_MS = 40 * 60_000;

/** The consul/ensure-consul.sh of this checkout, from the sources (src/) or the build (dist/src/). */
export function ensureConsulScript(): string | undefined {
  for (const up of ['../../', '../../../']) {
    const path = fileURLToPath(new URL(`${up}consul/ensure-consul.sh`, import.meta.url));
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** Runs consul/ensure-consul.sh and resolves with the binary it prints; rejects with its stderr. */
export function runEnsureConsul(script: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    // The script serialises concurrent builds.
    execFile(
      'bash',
      [script],
      { env, timeout: CONSUL_BUILD_TIMEOUT_MS, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        const path = stdout.trim().split('\n').at(-1) ?? '';
        if (err !== null || path === '') {
          reject(new Error(stderr.trim() !== '' ? stderr.trim() : (err?.message ?? 'no output')));
          return;
        }
        resolve(path);
      },
    );
  });
}

/** Resolves the consul binary: an explicit path wins, then ensure-consul.sh, then `consul` on PATH. */
export async function resolveConsulBinary(
  explicit: string,
  env: NodeJS.ProcessEnv,
  note: LineSink,
): Promise<string> {
  if (explicit !== '') return explicit;
  const script = ensureConsulScript();
  if (script === undefined) return env.CONSUL_BIN ?? 'consul';
  note(`==> Resolving the Consul binary with ${script} (the first run may build it, which takes minutes)`);
  try {
    return await runEnsureConsul(script, env);
  } catch (err) {
    throw new Error(`no consul binary (pass -consul-bin=PATH or set CONSUL_BIN): ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Options of startConsulAgent. */
export interface ConsulAgentOptions {
  readonly binary: string;
  readonly httpPort: number;
  /** Port of Consul's DNS interface; -1 (the default) turns it off. */
  readonly dnsPort?: number;
  readonly dataDir: string;
  readonly nodeName: string;
  /** Ports no other Consul port may take (the nodes', the resolver's). */
  readonly reserved?: ReadonlySet<number>;
  /** Where this agent adds the ports it picks, so that agents started together pick distinct ones. */
  readonly claim?: Set<number>;
  readonly env?: NodeJS.ProcessEnv;
  readonly relay?: LineSink;
  readonly nameWidth?: number;
  /** Run the agent in its own process group. */
  readonly detached?: boolean;
  /**
   * A one-server cluster that keeps its raft log on disk in `dataDir` (fsync per commit), instead
   * of `-dev` (state in memory). For measurements on durable storage.
   */
  readonly durable?: boolean;
  /**
   * With `durable`: how many servers the cluster has (`-bootstrap-expect`, default 1); the others'
   * serf LAN addresses go in `joinSerfLan`. Servers of a cluster run with `raft_multiplier = 1`, as
   * Consul recommends for production, so that an election takes about a second.
   */
  readonly bootstrapExpect?: number;
  /**
   * Serf LAN addresses (`127.0.0.1:PORT`) to `-retry-join`. Without `durable`: a client agent (no
   * server, no WAN, no gRPC) that joins these servers; it is started once it sees a leader.
   */
  readonly joinSerfLan?: string | readonly string[];
  /** This agent's serf LAN port (default: a free one); fixed ahead so that servers can join each other. */
  readonly serfLanPort?: number;
  /**
   * Serve the HTTP API over TLS on `httpsPort` too, with `verify_incoming` (clients must present a
   * certificate of `caFile`) and `verify_outgoing`. The plain `httpPort` stays for the harness's
   * readiness probe.
   */
  readonly tls?: {
    readonly caFile: string;
    readonly certFile: string;
    readonly keyFile: string;
    readonly httpsPort: number;
  };
}

/** A running Consul dev agent. */
export interface ConsulAgentProcess {
  /** The current agent process (a new one after restart()). */
  readonly process: ManagedProcess;
  /** `127.0.0.1:PORT` of the HTTP API. */
  readonly httpAddr: string;
  /** `127.0.0.1:PORT` of its serf LAN gossip (what client agents join). */
  readonly serfLanAddr: string;
  /** A server's `127.0.0.1:PORT` of its server RPC (what `/v1/status/leader` names); "" for a client. */
  readonly serverAddr: string;
  readonly nodeName: string;
  /** Kills the agent and starts it again on the same ports (a dev agent with empty state). */
  restart(): Promise<void>;
  /** Kills the agent (SIGKILL), keeping its data folder: an outage until resume(). */
  halt(): Promise<void>;
  /** Starts a halted agent again on the same ports and data folder; resolves once it sees a leader. */
  resume(): Promise<void>;
}

/** Writes the agent's `tls` stanza (HCL) into its data folder and returns its path. */
function tlsConfigFile(dataDir: string, tls: NonNullable<ConsulAgentOptions['tls']>): string {
  const file = join(dataDir, 'tls.hcl');
  writeFileSync(
    file,
    [
      'tls {',
      '  defaults {',
      `    ca_file         = ${JSON.stringify(tls.caFile)}`,
      `    cert_file       = ${JSON.stringify(tls.certFile)}`,
      `    key_file        = ${JSON.stringify(tls.keyFile)}`,
      '    verify_incoming = true',
      '    verify_outgoing = true',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  return file;
}

/** Writes a server's `performance` stanza (HCL) into its data folder and returns its path. */
function raftConfigFile(dataDir: string): string {
  const file = join(dataDir, 'performance.hcl');
  writeFileSync(file, 'performance {\n  raft_multiplier = 1\n}\n');
  return file;
}

function joins(options: ConsulAgentOptions): string[] {
  const peers = options.joinSerfLan;
  if (peers === undefined) return [];
  return [
    ...(typeof peers === 'string' ? [peers] : peers).map((p) => `-retry-join=${p}`),
    '-retry-interval=1s',
  ];
}

/** The flags that make the agent a dev server, a durable server or a client of `joinSerfLan`. */
function modeArgs(options: ConsulAgentOptions, grpc: number, serfWan: number, server: number): string[] {
  const expect = options.bootstrapExpect ?? 1;
  if (options.durable === true)
    return [
      '-server',
      `-bootstrap-expect=${expect}`,
      ...(expect > 1 ? [`-config-file=${raftConfigFile(options.dataDir)}`, ...joins(options)] : []),
      `-grpc-port=${grpc}`,
      `-serf-wan-port=${serfWan}`,
      `-server-port=${server}`,
    ];
  if (options.joinSerfLan !== undefined)
    return [
      ...joins(options),
      // agents on one host: a random node id each, never one derived from the host
      '-disable-host-node-id=true',
      '-grpc-port=-1',
      '-serf-wan-port=-1',
    ];
  return ['-dev', `-grpc-port=${grpc}`, `-serf-wan-port=${serfWan}`, `-server-port=${server}`];
}

/**
 * Starts `consul agent -dev` (or a durable server, or a client agent) and resolves once it sees a
 * leader.
 */
export async function startConsulAgent(options: ConsulAgentOptions): Promise<ConsulAgentProcess> {
  const dnsPort = options.dnsPort ?? -1;
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const avoid = new Set([
    ...(options.reserved ?? []),
    ...(options.claim ?? []),
    options.httpPort,
    dnsPort,
    ...(options.tls === undefined ? [] : [options.tls.httpsPort]),
  ]);
  if (options.serfLanPort !== undefined) avoid.add(options.serfLanPort);
  const [grpc = 0, free = 0, serfWan = 0, server = 0] = await freePorts(4, true, avoid);
  const serfLan = options.serfLanPort ?? free;
  for (const p of [grpc, free, serfWan, server]) options.claim?.add(p);
  const isServer = options.durable === true || options.joinSerfLan === undefined;
  const args = [
    'agent',
    ...modeArgs(options, grpc, serfWan, server),
    `-bind=${LOOPBACK}`,
    `-client=${LOOPBACK}`,
    `-node=${options.nodeName}`,
    `-data-dir=${options.dataDir}`,
    `-http-port=${options.httpPort}`,
    `-dns-port=${dnsPort}`,
    '-grpc-tls-port=-1',
    ...(options.tls === undefined
      ? ['-https-port=-1']
      : [
          `-https-port=${options.tls.httpsPort}`,
          `-config-file=${tlsConfigFile(options.dataDir, options.tls)}`,
        ]),
    `-serf-lan-port=${serfLan}`,
    '-log-level=warn',
  ];
  const httpAddr = `${LOOPBACK}:${options.httpPort}`;
  const launch = (): Promise<ManagedProcess> => launchAgent(options, args, httpAddr);
  let current = await launch();
  return {
    get process() {
      return current;
    },
    httpAddr,
    serfLanAddr: `${LOOPBACK}:${serfLan}`,
    serverAddr: isServer ? `${LOOPBACK}:${server}` : '',
    nodeName: options.nodeName,
    async restart() {
      await current.stop('SIGKILL', 0);
      current = await launch();
    },
    async halt() {
      await current.stop('SIGKILL', 0);
    },
    async resume() {
      if (current.running()) throw new Error(`consul agent ${options.nodeName} is running`);
      current = await launch();
    },
  };
}

async function launchAgent(
  options: ConsulAgentOptions,
  args: readonly string[],
  httpAddr: string,
): Promise<ManagedProcess> {
  const child = await spawnManaged('consul', options.binary, args, {
    env: options.env ?? process.env,
    ...(options.relay === undefined ? {} : { relay: options.relay }),
    ...(options.nameWidth === undefined ? {} : { nameWidth: options.nameWidth }),
    detached: options.detached === true,
  });
  let gone: string | undefined;
  void child.exited.then((how) => {
    gone = how;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (gone !== undefined) throw new Error(`consul agent ${gone}:\n${child.recentOutput()}`);
    if ((await leaderOf(httpAddr)) !== '') return child;
    if (Date.now() > deadline) {
      await child.stop('SIGKILL', 0);
      throw new Error(`consul agent on ${httpAddr} saw no leader within 60 s:\n${child.recentOutput()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The leader an agent sees (`/v1/status/leader`); "" when none or when it does not answer. */
export async function leaderOf(httpAddr: string): Promise<string> {
  try {
    const res = await fetch(`http://${httpAddr}/v1/status/leader`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return '';
    const leader: unknown = await res.json();
    return typeof leader === 'string' ? leader : '';
  } catch {
    return '';
  }
}
