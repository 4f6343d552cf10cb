import Koa from 'koa';
import Router from '@koa/router';
import type { Core } from '../core/core.js';
import { InvalidRequestError, VaultError } from '../helper/errors.js';
import type { HttpDeps } from './deps.js';
import { errorsMiddleware } from './middleware/errors.js';
import { registerSysInit } from './sys-init.js';
import { registerSysSeal } from './sys-seal.js';
import { registerSysHealth } from './sys-health.js';
import { registerSysKeys } from './sys-keys.js';
import { registerSysStepDown } from './sys-step-down.js';
import { registerHaFollow } from './ha-follow-endpoint.js';
import type { Middleware } from 'koa';
import { standbyForwarding } from './standby-forward.js';
import { forwardedClientMiddleware } from './forwarded-client.js';
import type { ForwardingOptions } from './standby-forward.js';

/**
 * Only origin-form request targets (`/v1/...`): an absolute-form (`GET http://host/x`),
 * authority-form or asterisk-form target is refused before any routing, on every node, so that no
 * part of a request target can ever name a host.
 */
const originFormOnly: Middleware = async (ctx, next) => {
  if (!ctx.originalUrl.startsWith('/')) {
    throw new InvalidRequestError(
      'the request target must be a path beginning with "/" (absolute-form targets such as "http://host/path" are not accepted)',
    );
  }
  await next();
};

export interface AppOptions extends HttpDeps {
  /** Handles every /v1 request that no sys edge route claimed (the logical request pipeline). */
  readonly logical: Middleware;
  /** HA: how a standby passes requests to the active node. */
  readonly forwarding?: ForwardingOptions;
}

/**
 * The koa application: the JSON error middleware first, the request-target check and the
 * forwarded-client check, standby forwarding, then the sys edge endpoints each node answers for
 * itself, then the logical pipeline for everything else under /v1/.
 */
export function createApp(core: Core, opts: AppOptions): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true;
  app.use(errorsMiddleware(opts.logger.child({ subsystem: 'http' })));
  app.use(originFormOnly);
  app.use(forwardedClientMiddleware(core));
  app.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    const namespace = ctx.get('x-vault-namespace');
    if (namespace !== '') ctx.set('X-Vault-Namespace', namespace);
    await next();
  });

  if (opts.forwarding !== undefined) app.use(standbyForwarding(core, opts.forwarding));
  const router = new Router();
  registerSysInit(router, core, opts);
  registerSysSeal(router, core, opts);
  registerSysHealth(router, core);
  registerSysKeys(router, core);
  registerSysStepDown(router, core);
  if (core.haEnabled) registerHaFollow(router, core);
  app.use(router.routes());
  app.use(async (ctx, next) => {
    // A sys edge path asked with a method it does not take: 405, not the logical pipeline.
    const matched = (ctx as { matched?: unknown[] }).matched;
    if (matched !== undefined && matched.length > 0)
      throw new VaultError(405, `unsupported operation ${ctx.method} on ${ctx.path}`);
    if (!ctx.path.startsWith('/v1/')) {
      throw new VaultError(404, `unsupported path "${ctx.path}"; the API lives under /v1/`);
    }
    await opts.logical(ctx, next);
  });
  return app;
}
