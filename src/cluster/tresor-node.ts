/**
 * A tresor node of a local cluster: its configuration file (storage "consul", a plain-HTTP
 * listener, api_addr and cluster_addr = port + 1) and `tresor server` in a child process, started
 * the way the caller says (the way this process was started, for `tresor dev-cluster`; `tsx
 * src/main.ts` for the tests), ready once it answers HTTP at all (it starts sealed).
 */
import { LOOPBACK } from '../helper/ports.js';
import { type LineSink, type ManagedProcess, spawnManaged } from './managed-process.js';

/** Where a node listens. */
export interface NodeSpec {
  readonly name: string;
  /** Listener address; 127.0.0.1 unless given (other loopback addresses tell nodes apart in DNS). */
  readonly ip?: string;
  readonly port: number;
  /** `http://IP:PORT`. */
  readonly addr: string;
}

/** What goes into a node's configuration besides its addresses. */
export interface NodeConfigOptions {
  readonly consulHttpAddr: string;
  /** KV prefix of the storage. */
  readonly storagePath: string;
  /** Lines added to the storage "consul" block. */
  readonly storageExtra?: string;
  /** A comment line at the top. */
  readonly header?: string;
  /** Top-level lines added at the end. */
  readonly extra?: readonly string[];
}

/** A node's configuration file (Vault's HCL). */
export function nodeConfig(node: NodeSpec, options: NodeConfigOptions): string {
  const ip = node.ip ?? LOOPBACK;
  return [
    ...(options.header === undefined ? [] : [`# ${options.header}`]),
    'storage "consul" {',
    `  address = "${options.consulHttpAddr}"`,
    `  path    = "${options.storagePath}"`,
    ...(options.storageExtra === undefined || options.storageExtra === '' ? [] : [options.storageExtra]),
    '}',
    '',
    'listener "tcp" {',
    `  address     = "${ip}:${node.port}"`,
    '  tls_disable = true',
    '}',
    '',
    `api_addr      = "${node.addr}"`,
    `cluster_addr  = "https://${ip}:${node.port + 1}"`,
    ...(options.extra ?? []),
    '',
  ].join('\n');
}

/** How to run `tresor <args>`: command, leading arguments, working folder. */
export interface TresorInvocation {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
}

/** Flags of this process that must not be passed on (a debugger port would clash). */
function inheritableExecArgv(execArgv: readonly string[]): string[] {
  return execArgv.filter((a) => !/^--(inspect|debug)/.test(a));
}

/**
 * `tresor` run the way this process runs (same node binary, loader flags and entry script), so it
 * works from `tsx src/main.ts` as well as from the built `dist/src/main.js`.
 */
export function tresorInvocation(): TresorInvocation {
  const entry = process.argv[1];
  if (entry === undefined || entry === '')
    throw new Error('cannot tell how tresor was started (no entry script)');
  return { command: process.execPath, args: [...inheritableExecArgv(process.execArgv), entry] };
}

/** `env` without what would override a node's config file (VAULT_*, and CONSUL_HTTP_* unless kept). */
export function nodeEnv(env: NodeJS.ProcessEnv, keepConsul = false): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('VAULT_') || (!keepConsul && key.startsWith('CONSUL_HTTP_'))) continue;
    out[key] = value;
  }
  return out;
}

/** Options of startTresorServer. */
export interface ServerStartOptions {
  readonly name: string;
  readonly invocation: TresorInvocation;
  /** Arguments after `server` (-config=FILE, -log-level=…). */
  readonly args: readonly string[];
  /** A URL of the node that answers once it listens (it answers sealed). */
  readonly readyUrl: string;
  readonly env: NodeJS.ProcessEnv;
  readonly relay?: LineSink;
  readonly nameWidth?: number;
  readonly detached?: boolean;
  /** How much output to keep (default 16 KiB; Infinity: all). */
  readonly keepBytes?: number;
  /** Interval between readiness probes (default 100 ms). */
  readonly pollMs?: number;
  /** Called with the child as soon as it runs, before it is ready. */
  readonly onSpawn?: (child: ManagedProcess) => void;
}

/** Starts `tresor server <args>` and resolves once `readyUrl` answers (any status). */
export async function startTresorServer(options: ServerStartOptions): Promise<ManagedProcess> {
  const { invocation } = options;
  const child = await spawnManaged(
    options.name,
    invocation.command,
    [...invocation.args, 'server', ...options.args],
    {
      env: options.env,
      ...(invocation.cwd === undefined ? {} : { cwd: invocation.cwd }),
      ...(options.relay === undefined ? {} : { relay: options.relay }),
      ...(options.nameWidth === undefined ? {} : { nameWidth: options.nameWidth }),
      ...(options.keepBytes === undefined ? {} : { keepBytes: options.keepBytes }),
      detached: options.detached === true,
    },
  );
  options.onSpawn?.(child);
  let gone: string | undefined;
  void child.exited.then((how) => {
    gone = how;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (gone !== undefined) throw new Error(`${options.name} ${gone}:\n${child.recentOutput()}`);
    try {
      const res = await fetch(options.readyUrl, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return child;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await child.stop('SIGKILL', 0);
      throw new Error(
        `${options.name} did not answer ${options.readyUrl} within 60 s:\n${child.recentOutput()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
  }
}
