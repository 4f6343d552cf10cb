import { createHmac, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { Context, Middleware } from 'koa';
import type { Core } from '../core/core.js';
import { constantTimeEqual } from '../helper/constant-time.js';

/**
 * Node-to-node vouching for a forwarded request's client address.
 *
 * A standby that forwards a request adds `X-Tresor-Forwarded-Client: v1 <address> <ms> <nonce> <mac>`,
 * the MAC being HMAC-SHA256 over (address, method, request target, timestamp, nonce) under a key
 * derived inside the barrier, so only an unsealed member of this cluster can make one. The active
 * node checks it in constant time, within a time window and against the nonces it has already seen,
 * and then takes the address as the request's client address (CIDR bindings, audit). A missing,
 * malformed, stale, replayed or forged header is ignored: the socket peer stays the client.
 */
export const FORWARDED_CLIENT_HEADER = 'x-tresor-forwarded-client';

/** The HKDF purpose of the forwarding key (see Core.deriveClusterKey). */
const KEY_PURPOSE = 'tresor/ha/forwarded-client/v1';
/** How far a vouch's timestamp may be from the verifier's clock (clock skew plus transit). */
export const VOUCH_WINDOW_MS = 30_000;
/** Remembered nonces at most; past it (and after dropping expired ones) vouches are refused. */
const MAX_NONCES = 100_000;

const STATE_KEY = 'tresorForwardedClient';

export interface VouchedRequest {
  readonly method: string;
  /** The request target as the active node sees it: path plus query (see requestTarget). */
  readonly target: string;
}

/** Path and query of the request, as parsed (never a scheme or host). */
export function requestTarget(ctx: Context): string {
  return ctx.querystring === '' ? ctx.path : `${ctx.path}?${ctx.querystring}`;
}

/** The cluster's forwarding key; undefined while this node is sealed. */
export function forwardingKey(core: Core): Buffer | undefined {
  return core.deriveClusterKey(KEY_PURPOSE);
}

function mac(key: Buffer, address: string, req: VouchedRequest, ts: string, nonce: string): string {
  return createHmac('sha256', key)
    .update(JSON.stringify(['v1', address, req.method.toUpperCase(), req.target, ts, nonce]))
    .digest('base64url');
}

/** The header value a standby sends to vouch that `address` is the client of `req`. */
export function signForwardedClient(
  key: Buffer,
  address: string,
  req: VouchedRequest,
  now = Date.now(),
): string {
  const ts = String(now);
  const nonce = randomBytes(16).toString('hex');
  return `v1 ${address} ${ts} ${nonce} ${mac(key, address, req, ts, nonce)}`;
}

/** Remembers the nonces of accepted vouches for as long as their timestamps are acceptable. */
export class NonceGuard {
  private readonly seen = new Map<string, number>(); // nonce → when it may be forgotten

  /** True the first time a nonce is offered (within its window), false on a replay or when full. */
  accept(nonce: string, now: number): boolean {
    if (this.seen.has(nonce)) return false;
    if (this.seen.size >= MAX_NONCES) this.prune(now);
    if (this.seen.size >= MAX_NONCES) return false;
    this.seen.set(nonce, now + 2 * VOUCH_WINDOW_MS);
    return true;
  }

  private prune(now: number): void {
    for (const [nonce, until] of this.seen) if (until <= now) this.seen.delete(nonce);
  }
}

/** The vouched client address, or undefined when the header is absent or does not verify. */
export function verifyForwardedClient(
  key: Buffer,
  header: string,
  req: VouchedRequest,
  nonces: NonceGuard,
  now = Date.now(),
): string | undefined {
  const parts = header.split(' ');
  if (parts.length !== 5 || parts[0] !== 'v1') return undefined;
  const [, address = '', ts = '', nonce = '', given = ''] = parts;
  if (isIP(address) === 0 || !/^\d{1,15}$/.test(ts) || !/^[0-9a-f]{32}$/.test(nonce)) return undefined;
  if (Math.abs(now - Number(ts)) > VOUCH_WINDOW_MS) return undefined;
  if (!constantTimeEqual(given, mac(key, address, req, ts, nonce))) return undefined;
  return nonces.accept(nonce, now) ? address : undefined;
}

/**
 * Verifies a forwarded-client vouch on every request (any node) and records the address for
 * clientAddress(); the header itself is never trusted beyond that.
 */
export function forwardedClientMiddleware(core: Core): Middleware {
  const nonces = new NonceGuard();
  return async (ctx, next) => {
    const header = ctx.get(FORWARDED_CLIENT_HEADER);
    if (header !== '') {
      const key = forwardingKey(core);
      const address =
        key === undefined
          ? undefined
          : verifyForwardedClient(key, header, { method: ctx.method, target: requestTarget(ctx) }, nonces);
      if (address !== undefined) (ctx.state as Record<string, unknown>)[STATE_KEY] = address;
    }
    await next();
  };
}

/** The client address a cluster member vouched for, if this request carried a valid vouch. */
export function vouchedClientAddress(ctx: Context): string | undefined {
  const v = (ctx.state as Record<string, unknown>)[STATE_KEY];
  return typeof v === 'string' ? v : undefined;
}
