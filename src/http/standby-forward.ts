import http from 'node:http';
import https from 'node:https';
import type { Middleware } from 'koa';
import type { Core } from '../core/core.js';
import { VaultError } from '../helper/errors.js';
import {
  FORWARDED_CLIENT_HEADER,
  forwardingKey,
  requestTarget,
  signForwardedClient,
} from './forwarded-client.js';
import { clientAddress } from './logical-handler.js';

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

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
]);

export interface ForwardingOptions {
  /** Answer 307 to the active node instead of forwarding (listener `standby_redirect`). */
  readonly redirect: boolean;
  /** This node's id, written into the loop-guard header. */
  readonly nodeId: string;
  /** Proxies whose X-Forwarded-For this node trusts (listener `x_forwarded_for_authorized_addrs`). */
  readonly trustedProxies?: readonly string[];
}

/** The leader's origin (scheme, host, port) from its advertised api_addr; nothing else of it. */
function leaderOrigin(apiAddr: string): URL {
  let url: URL;
  try {
    url = new URL(apiAddr);
  } catch {
    throw new VaultError(503, 'the active node advertises an api_addr that is not a URL', true);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new VaultError(503, 'the active node advertises an api_addr that is not http(s)', true);
  return url;
}

/**
 * On a standby, every /v1/ request except the node-local sys endpoints is forwarded to the active
 * node's api_addr — method, path, query, headers and body as they came, with the client's address
 * appended to X-Forwarded-For and vouched for in X-Tresor-Forwarded-Client (see forwarded-client.ts)
 * — or answered with a 307 when redirects are configured or the client asked for one
 * (X-Vault-No-Request-Forwarding). node-vault does not follow 307 on writes, which is why
 * forwarding is the default. The upstream is always the leader's scheme, host and port plus the
 * request's parsed path and query: nothing in the request target can name another host. Paths
 * outside /v1/ are never forwarded (the app answers them itself).
 */
export function standbyForwarding(core: Core, opts: ForwardingOptions): Middleware {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  return async (ctx, next) => {
    if (
      core.state.role !== 'standby' ||
      !ctx.path.startsWith('/v1/') ||
      LOCAL_PATHS.some((re) => re.test(ctx.path))
    ) {
      await next();
      return;
    }
    if (ctx.get(FORWARDED_HEADER) !== '') {
      throw new VaultError(503, 'request was forwarded to a node that is not active; retry', true);
    }
    const leader = core.haStatus?.leader;
    if (leader === undefined || leader.nodeId === opts.nodeId)
      throw new VaultError(503, 'no active Vault instance found', true);
    const origin = leaderOrigin(leader.apiAddr);
    const path = requestTarget(ctx);
    if (opts.redirect || ctx.get('x-vault-no-request-forwarding') !== '') {
      // (a null body would turn the status into 204: set an empty body, then the status)
      ctx.body = '';
      ctx.status = 307;
      ctx.set('Location', `${origin.origin}${path}`);
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(ctx.headers))
      if (!HOP_BY_HOP.has(k) && k !== FORWARDED_CLIENT_HEADER && v !== undefined) headers[k] = v;
    const client = ctx.req.socket.remoteAddress ?? '';
    const prior = ctx.get('x-forwarded-for');
    headers['x-forwarded-for'] = prior === '' ? client : `${prior}, ${client}`;
    headers[FORWARDED_HEADER] = opts.nodeId;
    const key = forwardingKey(core);
    if (key !== undefined) {
      headers[FORWARDED_CLIENT_HEADER] = signForwardedClient(
        key,
        clientAddress(ctx, opts.trustedProxies ?? []),
        { method: ctx.method, target: path },
      );
    }
    if (ctx.get('transfer-encoding') !== '') headers['transfer-encoding'] = ctx.get('transfer-encoding');
    const secure = origin.protocol === 'https:';
    const upstream = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = (secure ? https : http).request(
        {
          protocol: origin.protocol,
          hostname: origin.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: origin.port === '' ? (secure ? 443 : 80) : Number(origin.port),
          path,
          method: ctx.method,
          headers,
          agent: secure ? agents.https : agents.http,
          timeout: 90_000,
        },
        resolve,
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timed out')));
      ctx.req.pipe(req);
    }).catch((err: unknown) => {
      throw new VaultError(
        503,
        `forwarding to the active node at ${leader.apiAddr} failed: ${(err as Error).message}`,
        true,
      );
    });
    ctx.status = upstream.statusCode ?? 502;
    for (const [k, v] of Object.entries(upstream.headers))
      if (!HOP_BY_HOP.has(k) && k !== 'content-length' && v !== undefined) ctx.set(k, v);
    ctx.body = upstream;
  };
}
