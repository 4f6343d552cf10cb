import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/server/run-server.js';
import type { RunningServer } from '../../src/server/run-server.js';
import { freePort } from '../../src/helper/ports.js';

export interface ApiResult {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

export interface TestServer {
  readonly url: string;
  readonly rootToken: string;
  readonly server: RunningServer;
  /** Calls the API; `token` defaults to the root token, pass "" for none. */
  api(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    headers?: Record<string, string>,
  ): Promise<ApiResult>;
  stop(): Promise<void>;
}

/** A server from an HCL config body (the listener is added), not initialised, in this process. */
export async function startConfiguredServer(hclBody: string): Promise<TestServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'tresor-cfg-'));
  const file = join(dir, 'config.hcl');
  await writeFile(
    file,
    `${hclBody}\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\n`,
  );
  const server = await startServer({ configPaths: [file], logLevel: 'error' });
  return wrap(server, `http://127.0.0.1:${port}`, '', async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });
}

/** A dev server (inmem, unsealed, kv v2 at secret/) in this process, on a real loopback socket. */
export async function startTestServer(): Promise<TestServer> {
  const port = await freePort();
  const rootToken = `root-${randomBytes(8).toString('hex')}`;
  const write = process.stdout.write.bind(process.stdout);
  // the dev banner goes to stdout; keep test output clean
  process.stdout.write = () => true;
  let server: RunningServer;
  try {
    server = await startServer({
      dev: { rootTokenId: rootToken, listenAddress: `127.0.0.1:${port}`, noStoreToken: true },
      logLevel: 'error',
    });
  } finally {
    process.stdout.write = write;
  }
  return wrap(server, `http://127.0.0.1:${port}`, rootToken, () => server.stop());
}

function wrap(server: RunningServer, url: string, rootToken: string, stop: () => Promise<void>): TestServer {
  return {
    url,
    rootToken,
    server,
    async api(method, path, body, token = rootToken, headers = {}) {
      const res = await fetch(`${url}/v1/${path}`, {
        method,
        headers: { ...(token === '' ? {} : { 'X-Vault-Token': token }), ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      let parsed: Record<string, unknown>;
      try {
        parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        parsed = {};
      }
      return { status: res.status, body: parsed, text };
    },
    stop,
  };
}
