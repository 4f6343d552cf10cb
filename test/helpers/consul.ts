import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CONSUL_BUILD_TIMEOUT_MS,
  ensureConsulScript,
  runEnsureConsul,
  startConsulAgent,
} from '../../src/cluster/consul-agent.js';
import type { ConsulAgentProcess } from '../../src/cluster/consul-agent.js';
import { startConsulCluster } from '../../src/cluster/consul-cluster.js';
import { freePorts } from '../../src/helper/ports.js';

/** A real `consul agent -dev` started for a test, on free loopback ports. */
export interface ConsulAgent {
  /** `127.0.0.1:PORT` of the HTTP API. */
  readonly httpAddr: string;
  /** With `tls`: `127.0.0.1:PORT` of the HTTPS API (verify_incoming: a client certificate is required). */
  readonly httpsAddr?: string;
  readonly dnsPort: number;
  /** The agent's node name. */
  readonly nodeName: string;
  /** Kills the agent and starts a fresh one (empty state) on the same ports; resolves once it has a leader. */
  restart(): Promise<void>;
  /** Kills the agent and removes its data folder. */
  stop(): Promise<void>;
}

/**
 * How long a test hook should allow startConsul(): on a cold cache it first builds Consul from
 * source, which takes several minutes on a small machine.
 */
export const CONSUL_START_TIMEOUT = CONSUL_BUILD_TIMEOUT_MS;

let binary: Promise<string> | undefined;

/** The consul binary from consul/ensure-consul.sh (CONSUL_BIN, PATH, or the cached build), once per process. */
export function consulBinary(): Promise<string> {
  binary ??= (async () => {
    const script = ensureConsulScript();
    if (script === undefined) throw new Error('consul/ensure-consul.sh is missing');
    try {
      return await runEnsureConsul(script);
    } catch (err) {
      throw new Error(
        `no consul binary could be found or built by consul/ensure-consul.sh: ${(err as Error).message}`,
        { cause: err },
      );
    }
  })();
  return binary;
}

/** The agent's CA, certificate and key (PEM files) for startConsul({ tls }). */
export interface ConsulTlsFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * Starts a Consul dev agent (src/cluster/consul-agent.ts) with its own data folder and free ports,
 * its DNS interface on; resolves once it has a Raft leader.
 */
export async function startConsul(options: { tls?: ConsulTlsFiles } = {}): Promise<ConsulAgent> {
  const bin = await consulBinary();
  const [http = 0, dns = 0, https = 0] = await freePorts(3, true);
  const dataDir = mkdtempSync(join(tmpdir(), 'tresor-consul-'));
  const nodeName = `tresor-test-${randomBytes(4).toString('hex')}`;
  const agent = await startConsulAgent({
    binary: bin,
    httpPort: http,
    dnsPort: dns,
    dataDir,
    nodeName,
    ...(options.tls === undefined ? {} : { tls: { ...options.tls, httpsPort: https } }),
  });
  let stopped = false;
  return {
    httpAddr: agent.httpAddr,
    ...(options.tls === undefined ? {} : { httpsAddr: `127.0.0.1:${https}` }),
    dnsPort: dns,
    nodeName,
    restart: () => agent.restart(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await agent.process.stop('SIGKILL', 0);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A Consul server and client agents (src/cluster/consul-cluster.ts) started for a test. */
export interface ConsulTopology {
  /** The server, as startConsul() returns an agent (restart() is not available: clients would not rejoin). */
  readonly server: ConsulAgent;
  /** The client agents, in order; `process.pid` to freeze one. */
  readonly clients: readonly ConsulAgentProcess[];
  /** Every server (halt() and resume() one: its data folder stays). */
  readonly servers: readonly ConsulAgentProcess[];
  /** The server that is Raft leader now; undefined when none is. */
  leader(): Promise<ConsulAgentProcess | undefined>;
  /** Waits until every client sees a leader and is alive in the server's catalog. */
  ready(timeoutMs?: number): Promise<void>;
  /** Kills every agent and removes the data folders. */
  stop(): Promise<void>;
}

/** Options of startConsulTopology. */
export interface ConsulTopologyOptions {
  /** How many servers (default 1); more than one are durable servers that elect a leader. */
  readonly servers?: number;
  /** One durable server (raft on disk) instead of a dev server. */
  readonly durable?: boolean;
}

/**
 * Starts one Consul dev server (or `servers` durable ones; the first with its DNS interface on) and
 * `clients` client agents joined to them, on free loopback ports; resolves once every client is
 * joined and alive.
 */
export async function startConsulTopology(
  clients: number,
  options: ConsulTopologyOptions = {},
): Promise<ConsulTopology> {
  const bin = await consulBinary();
  const [dns = 0] = await freePorts(1, true);
  const dataDir = mkdtempSync(join(tmpdir(), 'tresor-consul-'));
  const namePrefix = `tresor-test-${randomBytes(4).toString('hex')}`;
  const cluster = await startConsulCluster({
    binary: bin,
    clients,
    ...options,
    dataDir,
    namePrefix,
    serverDnsPort: dns,
    reserved: new Set([dns]),
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    server: {
      httpAddr: cluster.server.httpAddr,
      dnsPort: dns,
      nodeName: cluster.server.nodeName,
      restart: () => Promise.reject(new Error('restarting the server of a topology is not supported')),
      stop,
    },
    clients: cluster.clients,
    servers: cluster.servers,
    leader: () => cluster.leader(),
    ready: (timeoutMs) => cluster.ready(timeoutMs),
    stop,
  };
}

/** The HA lock key of the test clusters (storage path tresor/) as a Consul agent has it. */
export interface LockKey {
  /** The session holding it; undefined when free or missing. */
  readonly session: string | undefined;
  /** Its value (the holder's advertisement), "" when missing. */
  readonly value: string;
}

/** Reads tresor/core/lock through the agent at `httpAddr` (`127.0.0.1:PORT`). */
export async function lockKey(httpAddr: string): Promise<LockKey> {
  const res = await fetch(`http://${httpAddr}/v1/kv/tresor/core/lock`);
  if (res.status !== 200) return { session: undefined, value: '' };
  const [pair] = (await res.json()) as { Session?: string; Value?: string | null }[];
  return {
    session: pair?.Session,
    value: Buffer.from(pair?.Value ?? '', 'base64').toString('utf8'),
  };
}
