import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapCluster } from '../../src/cluster/bootstrap.js';
import { freePort } from '../../src/helper/ports.js';
import { startServerProcess } from './server-process.js';
import type { ServerProcess } from './server-process.js';
import { type ApiOptions, type ApiResponse, vaultApi } from './vault-api.js';

export type { ApiOptions, ApiResponse } from './vault-api.js';

/** A real `tresor server` on file storage, initialised (one share) and unsealed over HTTP. */
export interface TresorProcess {
  readonly port: number;
  readonly url: string;
  readonly rootToken: string;
  readonly unsealKey: string;
  readonly server: ServerProcess;
  /** Sends one request with a keep-alive agent (vault-api.ts); the root token unless `opts.token`. */
  api(method: string, path: string, body?: unknown, opts?: ApiOptions): Promise<ApiResponse>;
  /** Is the process still running? */
  alive(): boolean;
  stop(): Promise<void>;
}

export interface TresorOptions {
  /** Extra HCL appended to the config file. */
  readonly extraConfig?: string;
  /** Sockets the keep-alive agent may open at once (default 8). */
  readonly maxSockets?: number;
}

/** Starts a server process on file storage in a fresh directory, initialises and unseals it. */
export async function startTresor(opts: TresorOptions = {}): Promise<TresorProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'tresor-adv-'));
  const port = await freePort();
  const config = join(dir, 'server.hcl');
  await writeFile(
    config,
    `storage "file" {\n  path = "${join(dir, 'data')}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\n${opts.extraConfig ?? ''}`,
  );
  const url = `http://127.0.0.1:${port}`;
  const server = await startServerProcess([`-config=${config}`], `${url}/v1/sys/health`);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 8 });
  let rootToken = '';
  const api = (method: string, path: string, body?: unknown, o: ApiOptions = {}): Promise<ApiResponse> =>
    vaultApi(url, method, path, body, { ...o, token: o.token ?? rootToken, agent });
  try {
    const init = await bootstrapCluster([{ name: 'tresor', addr: url }], { shares: 1, threshold: 1 });
    const unsealKey = init.keysHex[0] ?? '';
    rootToken = init.rootToken;
    // wait until the node is active (it may need a moment after unseal)
    for (let i = 0; i < 100; i++) {
      if ((await api('GET', 'sys/health')).status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return {
      port,
      url,
      rootToken,
      unsealKey,
      server,
      api,
      alive: () => server.child.exitCode === null && server.child.signalCode === null,
      async stop() {
        agent.destroy();
        await server.kill();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    agent.destroy();
    await server.kill();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The token a login or token-create answer carries. */
export function clientToken(res: ApiResponse): string {
  const auth = res.body.auth as { client_token?: string } | undefined;
  if (auth?.client_token === undefined) throw new Error(`no auth in answer ${res.status}: ${res.text}`);
  return auth.client_token;
}

/** Text in a body that betrays internals: a stack frame, a source path, node_modules. */
export const LEAK_PATTERNS: readonly RegExp[] = [
  /\/work\//,
  /\.ts:\d/,
  /\.js:\d/,
  /\n\s+at /,
  /\bat [\w.<>]+ \(/,
  /node_modules/,
];

/** The first leak pattern `text` matches, or undefined. */
export function leakIn(text: string): RegExp | undefined {
  return LEAK_PATTERNS.find((p) => p.test(text));
}

/** Writes ACL policy `name` and returns a fresh token holding only it (and `default`). */
export async function tokenWithPolicy(
  t: TresorProcess,
  name: string,
  policy: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const put = await t.api('PUT', `sys/policies/acl/${name}`, { policy });
  if (put.status !== 204 && put.status !== 200) throw new Error(`policy ${name}: ${put.status} ${put.text}`);
  return clientToken(await t.api('POST', 'auth/token/create', { policies: [name], ...extra }));
}
