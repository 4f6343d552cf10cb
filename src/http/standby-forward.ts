import http from 'node:http';
import https from 'node:https';
import type { Middleware } from 'koa';
import type { Core } from '../core/core.js';
import { VaultError } from '../helper/errors.js';

/** Paths every node answers for itself, standby or not (Vault's list). */
const LOCAL_PATHS = [
  /^\/v1\/sys\/health(\/.*)?$/,
  /^\/v1\/sys\/seal-status$/,
  /^\/v1\/sys\/leader$/,
  /^\/v1\/sys\/init$/,
  /^\/v1\/sys\/unseal$/,
  /^\/v1\/sys\/seal$/,
];

/** Marks a request a standby forwarded, so that it is never forwarded twice (loop guard). */
export const FORWARDED_HEADER = 'x-tresor-forwarded-by';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);

export interface ForwardingOptions {
  /** Answer 307 to the active node instead of forwarding (listener `standby_redirect`). */
  readonly redirect: boolean;
  /** This node's id, written into the loop-guard header. */
  readonly nodeId: string;
}

/**
 * On a standby, every request except the node-local sys endpoints is forwarded to the active
 * node's api_addr — method, path, query, headers and body as they came, with the client's address
 * appended to X-Forwarded-For — or answered with a 307 when redirects are configured or the client
 * asked for one (X-Vault-No-Request-Forwarding). node-vault does not follow 307 on writes, which
 * is why forwarding is the default.
 */
export function standbyForwarding(core: Core, opts: ForwardingOptions): Middleware {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  return async (ctx, next) => {
    const state = core.state.state;
    if ((state !== 'standby' && state !== 'stepping-down') || LOCAL_PATHS.some((re) => re.test(ctx.path))) {
      await next();
      return;
    }
    if (ctx.get(FORWARDED_HEADER) !== '') {
      throw new VaultError(503, 'request was forwarded to a node that is not active; retry', true);
    }
    const leader = core.haStatus?.leader;
    if (leader === undefined || leader.nodeId === opts.nodeId) throw new VaultError(503, 'no active Vault instance found', true);
    const target = new URL(ctx.originalUrl, leader.apiAddr);
    if (opts.redirect || ctx.get('x-vault-no-request-forwarding') !== '') {
      // (a null body would turn the status into 204: set an empty body, then the status)
      ctx.body = '';
      ctx.status = 307;
      ctx.set('Location', target.toString());
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(ctx.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
    const client = ctx.req.socket.remoteAddress ?? '';
    const prior = ctx.get('x-forwarded-for');
    headers['x-forwarded-for'] = prior === '' ? client : `${prior}, ${client}`;
    headers[FORWARDED_HEADER] = opts.nodeId;
    if (ctx.get('transfer-encoding') !== '') headers['transfer-encoding'] = ctx.get('transfer-encoding');
    const secure = target.protocol === 'https:';
    const upstream = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = (secure ? https : http).request(
        target,
        { method: ctx.method, headers, agent: secure ? agents.https : agents.http, timeout: 90_000 },
        resolve,
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timed out')));
      ctx.req.pipe(req);
    }).catch((err: unknown) => {
      throw new VaultError(503, `forwarding to the active node at ${leader.apiAddr} failed: ${(err as Error).message}`, true);
    });
    ctx.status = upstream.statusCode ?? 502;
    for (const [k, v] of Object.entries(upstream.headers)) if (!HOP_BY_HOP.has(k) && k !== 'content-length' && v !== undefined) ctx.set(k, v);
    ctx.body = upstream;
  };
}
