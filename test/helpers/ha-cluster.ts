import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsul } from './consul.js';
import type { ConsulAgent } from './consul.js';
import { freePort } from './free-port.js';
import { startServerProcess } from './server-process.js';
import type { ServerProcess } from './server-process.js';

/** One tresor node of a test cluster: a real server process on storage "consul". */
export interface HaNode {
  readonly name: string;
  readonly addr: string;
  readonly config: string;
  process: ServerProcess | undefined;
  /** (Re)starts the process and unseals it with the cluster's key. */
  start(): Promise<void>;
}

export interface HaCluster {
  readonly consul: ConsulAgent;
  readonly nodes: HaNode[];
  readonly rootToken: string;
  readonly unsealKey: string;
  /** Calls a node's API. */
  api(node: HaNode, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }>;
  /** The node whose sys/health says active (200), waiting up to `timeoutMs`. */
  active(timeoutMs?: number): Promise<HaNode>;
  stop(): Promise<void>;
}

function isRunning(n: HaNode): boolean {
  const child = n.process?.child;
  if (child === undefined) return false;
  return child.exitCode === null && child.signalCode === null;
}

async function call(addr: string, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${addr}/v1/${path}`, {
    method,
    headers: token === undefined ? {} : { 'X-Vault-Token': token },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    if (text !== '') parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, body: parsed };
}

/**
 * A real Consul dev agent and `count` tresor server processes on it, initialised (1 key share)
 * and unsealed. `extraStorage` adds lines to each node's storage "consul" block.
 */
export async function startHaCluster(count: number, extraStorage = '', opts: { distinctIps?: boolean } = {}): Promise<HaCluster> {
  const consul = await startConsul();
  const dir = await mkdtemp(join(tmpdir(), 'tresor-ha-'));
  const nodes: HaNode[] = [];
  let unsealKey = '';
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    // distinct loopback addresses let DNS answers tell the nodes apart
    const ip = opts.distinctIps === true ? `127.0.0.${i + 2}` : '127.0.0.1';
    const addr = `http://${ip}:${port}`;
    const config = join(dir, `node${i}.hcl`);
    await writeFile(
      config,
      [
        'storage "consul" {',
        `  address = "${consul.httpAddr}"`,
        '  path    = "tresor/"',
        extraStorage,
        '}',
        'listener "tcp" {',
        `  address     = "${ip}:${port}"`,
        '  tls_disable = true',
        '}',
        `api_addr     = "${addr}"`,
        `cluster_addr = "https://${ip}:${port + 1}"`,
        '',
      ].join('\n'),
    );
    const node: HaNode = {
      name: `node${i}`,
      addr,
      config,
      process: undefined,
      async start() {
        node.process = await startServerProcess([`-config=${config}`], `${addr}/v1/sys/health`);
        if (unsealKey !== '') {
          const r = await call(addr, 'PUT', 'sys/unseal', { key: unsealKey });
          if (r.body.sealed !== false) throw new Error(`${node.name} did not unseal: ${JSON.stringify(r.body)}`);
        }
      },
    };
    nodes.push(node);
  }
  for (const n of nodes) await n.start();
  const first = nodes[0];
  if (first === undefined) throw new Error('a cluster needs a node');
  const init = await call(first.addr, 'PUT', 'sys/init', { secret_shares: 1, secret_threshold: 1 });
  const keys = init.body.keys_base64 as string[] | undefined;
  unsealKey = keys?.[0] ?? '';
  const rootToken = String(init.body.root_token);
  for (const n of nodes) await call(n.addr, 'PUT', 'sys/unseal', { key: unsealKey });

  const cluster: HaCluster = {
    consul,
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
