/**
 * The dev cluster's tresor nodes: one config file each (storage "consul", a plain-HTTP loopback
 * listener, api_addr and cluster_addr), each run as `tresor server -config=FILE` in a child
 * process started the way this process was (same node binary, loader flags and entry script), so
 * it works from `tsx src/main.ts` as well as from the built `dist/src/main.js`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { callNode } from './node-api.js';
import { type LineSink, type ManagedProcess, spawnManaged } from './managed-process.js';
import { LOOPBACK } from './ports.js';

/** The KV prefix the dev cluster's nodes keep their (encrypted) data under. */
export const DEV_STORAGE_PATH = 'tresor/';

/** One node of the dev cluster. */
export interface DevNode {
  readonly name: string;
  readonly port: number;
  /** `http://127.0.0.1:PORT`. */
  readonly addr: string;
  process?: ManagedProcess;
}

/** The nodes' names and ports: node1 on `basePort`, node2 on basePort + 10, … */
export function planNodes(count: number, basePort: number): DevNode[] {
  return Array.from({ length: count }, (_, i) => {
    const port = basePort + 10 * i;
    return { name: `node${i + 1}`, port, addr: `http://${LOOPBACK}:${port}` };
  });
}

/** A node's configuration file (Vault's HCL). */
export function nodeConfig(node: DevNode, consulHttpAddr: string): string {
  return [
    `# ${node.name} of a tresor dev cluster (written by \`tresor dev-cluster\`; development only)`,
    'storage "consul" {',
    `  address = "${consulHttpAddr}"`,
    `  path    = "${DEV_STORAGE_PATH}"`,
    '}',
    '',
    'listener "tcp" {',
    `  address     = "${LOOPBACK}:${node.port}"`,
    '  tls_disable = true',
    '}',
    '',
    `api_addr      = "${node.addr}"`,
    `cluster_addr  = "https://${LOOPBACK}:${node.port + 1}"`,
    'cluster_name  = "tresor-dev"',
    'ui            = true',
    'disable_mlock = true',
    '',
  ].join('\n');
}

/** Flags of this process that must not be passed on (a debugger port would clash). */
function inheritableExecArgv(execArgv: readonly string[]): string[] {
  return execArgv.filter((a) => !/^--(inspect|debug)/.test(a));
}

/** How to run `tresor <args>` the way this process runs: [command, ...leading args]. */
export function tresorInvocation(): { command: string; args: string[] } {
  const entry = process.argv[1];
  if (entry === undefined || entry === '')
    throw new Error('cannot tell how tresor was started (no entry script)');
  return { command: process.execPath, args: [...inheritableExecArgv(process.execArgv), entry] };
}

/** The environment of the nodes: this one without what would override their config files. */
export function nodeEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('VAULT_') || key.startsWith('CONSUL_HTTP_')) continue;
    out[key] = value;
  }
  return out;
}

/** Options of startNode. */
export interface NodeStartOptions {
  /** Folder for the node's config file. */
  readonly configDir: string;
  readonly consulHttpAddr: string;
  readonly logLevel: string;
  readonly env: NodeJS.ProcessEnv;
  readonly relay: LineSink;
  readonly nameWidth: number;
}

/** Writes the node's config, starts it and resolves once it answers HTTP (sealed, as it starts). */
export async function startNode(node: DevNode, options: NodeStartOptions): Promise<ManagedProcess> {
  const configPath = join(options.configDir, `${node.name}.hcl`);
  await writeFile(configPath, nodeConfig(node, options.consulHttpAddr), { mode: 0o600 });
  const { command, args } = tresorInvocation();
  const child = await spawnManaged(
    node.name,
    command,
    [...args, 'server', `-config=${configPath}`, `-log-level=${options.logLevel}`],
    { env: nodeEnv(options.env), relay: options.relay, nameWidth: options.nameWidth },
  );
  node.process = child;
  let gone: string | undefined;
  void child.exited.then((how) => {
    gone = how;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (gone !== undefined) throw new Error(`${node.name} ${gone}:\n${child.recentOutput()}`);
    try {
      await callNode(node.addr, 'GET', 'sys/seal-status', { timeoutMs: 1000 });
      return child;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await child.stop('SIGKILL', 0);
      throw new Error(`${node.name} did not answer on ${node.addr} within 60 s:\n${child.recentOutput()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
