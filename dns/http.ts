/**
 * The resolver's small HTTP endpoint: `GET /health` (200 when the view of Consul is loaded and
 * fresh and both DNS listeners are up, else 503 with the reasons) and `GET /metrics` (Prometheus
 * text). Anything else is 404; methods other than GET and HEAD are 405.
 */
import { createServer, type Server } from 'node:http';

/** The state /health reports. */
export interface HealthReport {
  readonly healthy: boolean;
  /** Why it is unhealthy; empty when healthy. */
  readonly reasons: readonly string[];
  readonly details: Readonly<Record<string, unknown>>;
}

/** What the endpoint serves. */
export interface HttpEndpointDeps {
  readonly health: () => HealthReport;
  readonly metrics: () => string;
}

/** A running endpoint. */
export interface HttpEndpoint {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the endpoint on `host:port` (port 0: any free port). */
export async function startHttpEndpoint(
  host: string,
  port: number,
  deps: HttpEndpointDeps,
): Promise<HttpEndpoint> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string, extra: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    try {
      if (path !== '/health' && path !== '/metrics') {
        send(404, 'application/json', JSON.stringify({ errors: [`no such endpoint: ${path ?? ''}`] }));
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(405, 'application/json', JSON.stringify({ errors: ['use GET'] }), { allow: 'GET, HEAD' });
        return;
      }
      if (path === '/metrics') {
        send(200, 'text/plain; version=0.0.4; charset=utf-8', deps.metrics());
        return;
      }
      const report = deps.health();
      send(
        report.healthy ? 200 : 503,
        'application/json',
        JSON.stringify({
          status: report.healthy ? 'ok' : 'unhealthy',
          reasons: report.reasons,
          ...report.details,
        }),
      );
    } catch (err) {
      send(
        500,
        'application/json',
        JSON.stringify({ errors: [err instanceof Error ? err.message : String(err)] }),
      );
    }
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
