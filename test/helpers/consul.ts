import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A real `consul agent -dev` started for a test, on free loopback ports. */
export interface ConsulAgent {
  /** `127.0.0.1:PORT` of the HTTP API. */
  readonly httpAddr: string;
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
export const CONSUL_START_TIMEOUT = 40 * 60_000;

const ENSURE_SCRIPT = fileURLToPath(new URL('../../consul/ensure-consul.sh', import.meta.url));

let binary: Promise<string> | undefined;

/** The consul binary from consul/ensure-consul.sh (CONSUL_BIN, PATH, or the cached build), once per process. */
export function consulBinary(): Promise<string> {
  binary ??= new Promise<string>((resolve, reject) => {
    // Building takes minutes on a cold cache; the script serialises concurrent builds.
    execFile(
      'bash',
      [ENSURE_SCRIPT],
      { timeout: CONSUL_START_TIMEOUT, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        const path = stdout.trim().split('\n').at(-1) ?? '';
        if (err !== null || path === '') {
          const why = stderr.trim() !== '' ? stderr.trim() : (err?.message ?? 'no output');
          reject(new Error(`no consul binary could be found or built by consul/ensure-consul.sh: ${why}`));
          return;
        }
        resolve(path);
      },
    );
  });
  return binary;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** Starts a Consul dev agent with its own data folder and free ports; resolves once it has a Raft leader. */
export async function startConsul(): Promise<ConsulAgent> {
  const bin = await consulBinary();
  installExitHook();
  const ports = await freePorts(6);
  const port = (i: number): number => ports[i] ?? 0;
  const [http, dns, grpc, serfLan, serfWan, server] = [port(0), port(1), port(2), port(3), port(4), port(5)];
  const dataDir = mkdtempSync(join(tmpdir(), 'tresor-consul-'));
  const nodeName = `tresor-test-${randomBytes(4).toString('hex')}`;
  const args = [
    'agent',
    '-dev',
    '-bind=127.0.0.1',
    '-client=127.0.0.1',
    `-node=${nodeName}`,
    `-data-dir=${dataDir}`,
    `-http-port=${http}`,
    `-dns-port=${dns}`,
    `-grpc-port=${grpc}`,
    '-grpc-tls-port=-1',
    '-https-port=-1',
    `-serf-lan-port=${serfLan}`,
    `-serf-wan-port=${serfWan}`,
    `-server-port=${server}`,
    '-log-level=warn',
  ];
  const httpAddr = `127.0.0.1:${http}`;
  let child = await launch(bin, args, httpAddr);
  let stopped = false;
  return {
    httpAddr,
    dnsPort: dns,
    nodeName,
    async restart() {
      await kill(child);
      child = await launch(bin, args, httpAddr);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function launch(bin: string, args: readonly string[], httpAddr: string): Promise<ChildProcess> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-8192);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    live.delete(child);
    exited = `exited with ${signal ?? `code ${code ?? '?'}`}`;
  });
  child.once('error', (err) => {
    exited = `could not start: ${err.message}`;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`consul agent ${exited}:\n${output}`);
    if ((await leaderOf(httpAddr)) !== '') return child;
    if (Date.now() > deadline) {
      await kill(child);
      throw new Error(`consul agent on ${httpAddr} elected no leader within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function leaderOf(httpAddr: string): Promise<string> {
  try {
    const res = await fetch(`http://${httpAddr}/v1/status/leader`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return '';
    const leader: unknown = await res.json();
    return typeof leader === 'string' ? leader : '';
  } catch {
    return '';
  }
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => {
      resolve();
    });
    child.kill('SIGKILL');
  });
}

/** `count` distinct loopback ports free for both TCP and UDP (serf and DNS use both) right now. */
async function freePorts(count: number): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      held.push(server);
      const address = server.address();
      if (address === null || typeof address === 'string') continue;
      if (await udpFree(address.port)) ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => {
      socket.close(() => {
        resolve(true);
      });
    });
  });
}
