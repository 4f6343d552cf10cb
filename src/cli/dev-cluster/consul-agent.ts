/**
 * The dev cluster's Consul: the binary comes from -consul-bin, else consul/ensure-consul.sh
 * (CONSUL_BIN, PATH, or the cached build), else `consul` on PATH; it runs as `consul agent -dev`
 * on loopback with its own data folder, HTTP on the chosen port, Consul's DNS interface off (the
 * tresor resolver serves DNS), the other ports free ones.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type LineSink, type ManagedProcess, spawnManaged } from './managed-process.js';
import { LOOPBACK, freePorts } from './ports.js';

/** The consul/ensure-consul.sh of this checkout, from the sources (src/) or the build (dist/src/). */
export function ensureConsulScript(): string | undefined {
  for (const up of ['../../../', '../../../../']) {
    const path = fileURLToPath(new URL(`${up}consul/ensure-consul.sh`, import.meta.url));
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** Resolves the consul binary: an explicit path wins, then ensure-consul.sh, then `consul` on PATH. */
export function resolveConsulBinary(
  explicit: string,
  env: NodeJS.ProcessEnv,
  note: LineSink,
): Promise<string> {
  if (explicit !== '') return Promise.resolve(explicit);
  const script = ensureConsulScript();
  if (script === undefined) return Promise.resolve(env.CONSUL_BIN ?? 'consul');
  note(`==> Resolving the Consul binary with ${script} (the first run may build it, which takes minutes)`);
  return new Promise((resolve, reject) => {
    execFile('bash', [script], { env, timeout: 40 * 60_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const path = stdout.trim().split('\n').at(-1) ?? '';
      if (err !== null || path === '') {
        const why = stderr.trim() !== '' ? stderr.trim() : (err?.message ?? 'no output');
        reject(new Error(`no consul binary (pass -consul-bin=PATH or set CONSUL_BIN): ${why}`));
        return;
      }
      resolve(path);
    });
  });
}

/** A running Consul dev agent. */
export interface DevConsul {
  readonly process: ManagedProcess;
  /** `127.0.0.1:PORT` of the HTTP API. */
  readonly httpAddr: string;
}

/** Options of startConsul. */
export interface ConsulOptions {
  readonly binary: string;
  readonly httpPort: number;
  readonly dataDir: string;
  /** Ports no other Consul port may take (the nodes', the resolver's). */
  readonly reserved: ReadonlySet<number>;
  readonly env: NodeJS.ProcessEnv;
  readonly relay: LineSink;
  readonly nameWidth: number;
}

/** Starts `consul agent -dev` and resolves once it has elected itself leader. */
export async function startConsul(options: ConsulOptions): Promise<DevConsul> {
  const avoid = new Set([...options.reserved, options.httpPort]);
  const [grpc, serfLan, serfWan, server] = await freePorts(4, true, avoid);
  const args = [
    'agent',
    '-dev',
    `-bind=${LOOPBACK}`,
    `-client=${LOOPBACK}`,
    '-node=tresor-dev',
    `-data-dir=${options.dataDir}`,
    `-http-port=${options.httpPort}`,
    '-dns-port=-1',
    `-grpc-port=${grpc ?? 0}`,
    '-grpc-tls-port=-1',
    '-https-port=-1',
    `-serf-lan-port=${serfLan ?? 0}`,
    `-serf-wan-port=${serfWan ?? 0}`,
    `-server-port=${server ?? 0}`,
    '-log-level=warn',
  ];
  const child = await spawnManaged('consul', options.binary, args, {
    env: options.env,
    relay: options.relay,
    nameWidth: options.nameWidth,
  });
  const httpAddr = `${LOOPBACK}:${options.httpPort}`;
  let gone: string | undefined;
  void child.exited.then((how) => {
    gone = how;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (gone !== undefined) throw new Error(`consul agent ${gone}:\n${child.recentOutput()}`);
    if ((await leaderOf(httpAddr)) !== '') return { process: child, httpAddr };
    if (Date.now() > deadline) {
      await child.stop('SIGKILL', 0);
      throw new Error(`consul agent on ${httpAddr} elected no leader within 60 s:\n${child.recentOutput()}`);
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
