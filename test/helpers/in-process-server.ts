import { randomBytes } from 'node:crypto';
import { startServer } from '../../src/server/run-server.js';
import type { RunningServer } from '../../src/server/run-server.js';
import { freePort } from './free-port.js';

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
  api(method: string, path: string, body?: unknown, token?: string, headers?: Record<string, string>): Promise<ApiResult>;
  stop(): Promise<void>;
}

/** A dev server (inmem, unsealed, kv v2 at secret/) in this process, on a real loopback socket. */
export async function startTestServer(): Promise<TestServer> {
  const port = await freePort();
  const rootToken = `root-${randomBytes(8).toString('hex')}`;
  const write = process.stdout.write.bind(process.stdout);
  // the dev banner goes to stdout; keep test output clean
  process.stdout.write = (() => true) as typeof process.stdout.write;
  let server: RunningServer;
  try {
    server = await startServer({ dev: { rootTokenId: rootToken, listenAddress: `127.0.0.1:${port}`, noStoreToken: true }, logLevel: 'error' });
  } finally {
    process.stdout.write = write;
  }
  const url = `http://127.0.0.1:${port}`;
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
      let parsed: Record<string, unknown> = {};
      try {
        parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        parsed = {};
      }
      return { status: res.status, body: parsed, text };
    },
    stop: () => server.stop(),
  };
}
