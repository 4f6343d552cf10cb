/**
 * A server in this process behind a TLS listener, from a generated HCL config
 * (`storage "inmem"` + `listener "tcp" { address, tls_cert_file, tls_key_file, tls_client_ca_file? }`),
 * initialised (one key share) and unsealed. Requests go over node:https on a fresh connection
 * each, optionally presenting a client certificate.
 */
import https from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/server/run-server.js';
import type { RunningServer } from '../../src/server/run-server.js';
import { freePort } from '../../src/helper/ports.js';
import type { ApiResult } from './in-process-server.js';

export interface TlsServerOptions {
  /** The server's certificate and key (PEM files). */
  readonly certFile: string;
  readonly keyFile: string;
  /** The CA (PEM text) clients trust the server certificate with. */
  readonly serverCaPem: string;
  /** tls_client_ca_file, when set. */
  readonly clientCaFile?: string;
  /** tls_require_and_verify_client_cert. */
  readonly requireClientCert?: boolean;
}

/** A client identity to present: certificate (with any chain) and key, PEM. */
export interface ClientIdentity {
  readonly cert: string;
  readonly key: string;
}

export interface TlsTestServer {
  readonly url: string;
  readonly rootToken: string;
  readonly server: RunningServer;
  /** Calls the API over HTTPS; `token` defaults to the root token, "" for none. */
  api(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    client?: ClientIdentity,
  ): Promise<ApiResult>;
  stop(): Promise<void>;
}

function request(
  url: string,
  ca: string,
  method: string,
  body: unknown,
  headers: Record<string, string>,
  client: ClientIdentity | undefined,
): Promise<ApiResult> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        headers,
        ca,
        agent: false,
        ...(client === undefined ? {} : { cert: client.cert, key: client.key }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Record<string, unknown>;
          try {
            parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
          } catch {
            parsed = {};
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Starts, initialises and unseals a TLS server; the caller must `stop()` it. */
export async function startTlsServer(opts: TlsServerOptions): Promise<TlsTestServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'tresor-tls-'));
  const file = join(dir, 'config.hcl');
  const listener = [
    `  address = "127.0.0.1:${port}"`,
    `  tls_cert_file = ${JSON.stringify(opts.certFile)}`,
    `  tls_key_file = ${JSON.stringify(opts.keyFile)}`,
    ...(opts.clientCaFile === undefined
      ? []
      : [`  tls_client_ca_file = ${JSON.stringify(opts.clientCaFile)}`]),
    ...(opts.requireClientCert === true ? ['  tls_require_and_verify_client_cert = true'] : []),
  ];
  await writeFile(file, `storage "inmem" {}\n\nlistener "tcp" {\n${listener.join('\n')}\n}\n`);
  const server = await startServer({ configPaths: [file], logLevel: 'error' });
  const url = `https://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
  const call = (
    method: string,
    path: string,
    body: unknown,
    token: string,
    client?: ClientIdentity,
  ): Promise<ApiResult> =>
    request(
      `${url}/v1/${path}`,
      opts.serverCaPem,
      method,
      body,
      token === '' ? {} : { 'X-Vault-Token': token },
      client,
    );
  try {
    const init = await call('PUT', 'sys/init', { secret_shares: 1, secret_threshold: 1 }, '');
    if (init.status !== 200) throw new Error(`sys/init failed: ${init.status} ${init.text}`);
    const keys = init.body.keys_base64 as string[];
    const rootToken = init.body.root_token as string;
    const unseal = await call('PUT', 'sys/unseal', { key: keys[0] }, '');
    if (unseal.status !== 200 || unseal.body.sealed !== false)
      throw new Error(`sys/unseal failed: ${unseal.text}`);
    return {
      url,
      rootToken,
      server,
      api: (method, path, body, token = rootToken, client) => call(method, path, body, token, client),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
