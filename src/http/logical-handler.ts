import type { Middleware, Context } from 'koa';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';

type PeerCertificate = DetailedPeerCertificate | null;
import type { Core } from '../core/core.js';
import type { HandledResponse } from '../core/request-handler.js';
import { InvalidRequestError } from '../helper/errors.js';
import { parseDurationSeconds } from '../helper/duration.js';
import { readRequestData } from './body.js';
import { envelope } from './envelope.js';
import { operationOf } from './operation.js';
import { clientToken } from './token.js';
import { ipInCidrs } from '../helper/cidr.js';
import { vouchedClientAddress } from './forwarded-client.js';

function requestPath(ctx: Context): string {
  let path: string;
  try {
    path = decodeURIComponent(ctx.path.slice('/v1/'.length));
  } catch {
    throw new InvalidRequestError('the request path is not valid URL encoding');
  }
  return path;
}

function wrapTtl(ctx: Context): number | undefined {
  const raw = ctx.get('x-vault-wrap-ttl');
  if (raw === '') return undefined;
  if (raw.trim().startsWith('-')) throw new InvalidRequestError('X-Vault-Wrap-TTL must not be negative');
  const ttl = parseDurationSeconds(raw, 'X-Vault-Wrap-TTL');
  if (ttl === 0) return undefined;
  return ttl;
}

function peerCertificates(ctx: Context): Buffer[] | undefined {
  const socket = ctx.req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const chain: Buffer[] = [];
  // Node returns {} without a client certificate, and the chain ends where issuerCertificate is unset.
  let cert = socket.getPeerCertificate(true) as PeerCertificate | undefined;
  const seen = new Set<string>();
  while (
    cert !== undefined &&
    cert !== null &&
    Object.keys(cert).length > 0 &&
    !seen.has(cert.fingerprint256)
  ) {
    seen.add(cert.fingerprint256);
    chain.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return chain.length === 0 ? undefined : chain;
}

/** Writes a handled response as Vault's envelope, 204 when there is nothing to say. */
function respond(ctx: Context, h: HandledResponse, isRead: boolean): void {
  const r = h.response;
  if (r?.raw !== undefined) {
    ctx.status = r.raw.status;
    ctx.type = r.raw.contentType;
    ctx.body = r.raw.body;
    return;
  }
  if (h.wrapInfo !== null) {
    ctx.body = { ...envelope(null, { wrap_info: h.wrapInfo }), request_id: '' };
    return;
  }
  // Not found (src/logical/types.ts): a bare 404 for any operation; nothing to say is 404 for a read or list, else 204.
  const hasBody =
    r !== undefined && (r.data != null || (r.warnings?.length ?? 0) > 0 || r.statusCode !== undefined);
  const empty = !hasBody && h.auth === null && h.leaseId === '' && h.warnings.length === 0;
  if (h.notFound || (empty && isRead)) {
    ctx.status = 404;
    ctx.body = { errors: [] };
    return;
  }
  if (empty) {
    ctx.status = 204;
    return;
  }
  const data = r?.data ?? null;
  const body = envelope(data, {
    lease_id: h.leaseId,
    renewable: h.renewable,
    lease_duration: h.leaseDuration,
    warnings: h.warnings.length === 0 ? null : h.warnings,
    auth: h.auth,
  });
  ctx.status = r?.statusCode ?? 200;
  ctx.body = r?.topLevel === true && data !== null ? { ...data, ...body } : body;
}

/**
 * The client's address: the one a member of this cluster vouched for when it forwarded the request
 * (an HMAC-verified X-Tresor-Forwarded-Client, see forwarded-client.ts); otherwise the socket peer,
 * unless the peer is a trusted proxy (listener `x_forwarded_for_authorized_addrs`), in which case
 * the address the proxy appended to X-Forwarded-For.
 */
export function clientAddress(ctx: Context, trustedProxies: readonly string[]): string {
  const vouched = vouchedClientAddress(ctx);
  if (vouched !== undefined) return vouched;
  const peer = (ctx.req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  if (trustedProxies.length === 0 || !ipInCidrs(peer, trustedProxies)) return peer;
  const forwarded = ctx
    .get('x-forwarded-for')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return forwarded.at(-1) ?? peer;
}

/** Turns every /v1 request that no sys edge route claimed into a logical request. */
export function logicalHandler(
  core: Core,
  maxRequestSize: number,
  trustedProxies: readonly string[] = [],
): Middleware {
  return async (ctx) => {
    const operation = operationOf(ctx);
    let path = requestPath(ctx);
    if (operation === 'list' && !path.endsWith('/')) path += '/';
    const data = await readRequestData(ctx, maxRequestSize);
    const ttl = wrapTtl(ctx);
    const certs = peerCertificates(ctx);
    const handled = await core.handleRequest({
      operation,
      path,
      data,
      clientToken: clientToken(ctx),
      remoteAddress: clientAddress(ctx, trustedProxies),
      headers: ctx.headers,
      ...(ttl === undefined ? {} : { wrapTtl: ttl }),
      ...(certs === undefined ? {} : { peerCertificates: certs }),
    });
    respond(ctx, handled, operation === 'read' || operation === 'list');
  };
}
