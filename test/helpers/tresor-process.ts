import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { startServerProcess } from './server-process.js';
import type { ServerProcess } from './server-process.js';

/** One HTTP answer, body as text and (when it parses) as JSON. */
export interface ApiResponse {
  readonly status: number;
  readonly text: string;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string | string[] | undefined>;
}

export interface ApiOptions {
  /** Token to send; the root token when omitted, none when ''. */
  readonly token?: string;
  /** Raw body bytes instead of JSON.stringify(body). */
  readonly raw?: string | Buffer;
  readonly headers?: Record<string, string>;
  /** Called once the whole request has been handed to the socket. */
  readonly onSent?: () => void;
}

/** A real `tresor server` on file storage, initialised (one share) and unsealed over HTTP. */
export interface TresorProcess {
  readonly port: number;
  readonly url: string;
  readonly rootToken: string;
  readonly unsealKey: string;
  readonly server: ServerProcess;
  /** Sends one request with a keep-alive agent; `path` is below /v1/ unless it starts with '/'. */
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

function parse(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : { value: v };
  } catch {
    return {};
  }
}

function send(
  agent: Agent,
  port: number,
  method: string,
  path: string,
  payload: Buffer | undefined,
  headers: Record<string, string>,
  onSent?: () => void,
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const h: Record<string, string | number> = { ...headers };
    if (payload !== undefined) h['Content-Length'] = payload.length;
    const req = request({ host: '127.0.0.1', port, path, method, headers: h, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, text, body: parse(text), headers: res.headers });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (onSent !== undefined) req.on('finish', onSent);
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
    req.end(payload);
  });
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
  const api = (method: string, path: string, body?: unknown, o: ApiOptions = {}): Promise<ApiResponse> => {
    const headers: Record<string, string> = { ...o.headers };
    const token = o.token ?? rootToken;
    if (token !== '') headers['X-Vault-Token'] = token;
    let payload: Buffer | undefined;
    if (o.raw !== undefined) payload = Buffer.from(o.raw);
    else if (body !== undefined) {
      payload = Buffer.from(JSON.stringify(body));
      headers['Content-Type'] ??= 'application/json';
    }
    return send(agent, port, method, path.startsWith('/') ? path : `/v1/${path}`, payload, headers, o.onSent);
  };
  try {
    const init = await api('PUT', 'sys/init', { secret_shares: 1, secret_threshold: 1 });
    if (init.status !== 200) throw new Error(`sys/init answered ${init.status}: ${init.text}`);
    const keys = init.body.keys as string[];
    const unsealKey = keys[0] ?? '';
    rootToken = init.body.root_token as string;
    const unseal = await api('PUT', 'sys/unseal', { key: unsealKey });
    if (unseal.status !== 200 || unseal.body.sealed !== false)
      throw new Error(`sys/unseal answered ${unseal.status}: ${unseal.text}`);
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
