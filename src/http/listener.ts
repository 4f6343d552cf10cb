import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { installListMethodShim } from './list-method-shim.js';

export interface ListenerOptions {
  /** host:port */
  readonly address: string;
  readonly tls?: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly clientCaFile?: string;
    readonly requireClientCert?: boolean;
    readonly disableClientCerts?: boolean;
    readonly minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  };
  /** Seconds a request may take before the socket is closed. */
  readonly maxRequestDurationSeconds?: number;
}

export interface RunningListener {
  readonly server: http.Server;
  readonly address: AddressInfo;
  readonly tls: boolean;
  close(): Promise<void>;
}

export function splitHostPort(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(address);
  if (m === null) throw new Error(`listener address "${address}" must be host:port`);
  return { host: m[1] ?? '', port: Number.parseInt(m[2] ?? '0', 10) };
}

/**
 * A TCP listener (plain or TLS, optionally asking for client certificates) serving the koa app,
 * with the LIST-method shim in front of Node's HTTP parser.
 */
export async function startListener(app: Koa, opts: ListenerOptions): Promise<RunningListener> {
  const callback = app.callback();
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void callback(req, res);
  };
  let server: http.Server;
  if (opts.tls !== undefined) {
    const t = opts.tls;
    const ca = t.clientCaFile === undefined ? undefined : readFileSync(t.clientCaFile);
    server = https.createServer(
      {
        cert: readFileSync(t.certFile),
        key: readFileSync(t.keyFile),
        minVersion: t.minVersion ?? 'TLSv1.2',
        ...(ca === undefined ? {} : { ca }),
        requestCert: t.disableClientCerts !== true,
        rejectUnauthorized: t.requireClientCert === true,
      },
      handler,
    );
  } else {
    server = http.createServer(handler);
  }
  const duration = (opts.maxRequestDurationSeconds ?? 90) * 1000;
  server.requestTimeout = duration;
  server.headersTimeout = Math.min(duration, 60_000);
  server.keepAliveTimeout = 65_000;
  installListMethodShim(server);
  const { host, port } = splitHostPort(opts.address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    address: server.address() as AddressInfo,
    tls: opts.tls !== undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
