import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Core } from '../core/core.js';
import { clientToken } from './token.js';
import { clientAddress } from './logical-handler.js';

/**
 * Authorises a sys operation answered outside the pipeline (sys/seal, sys/rotate, sys/key-status,
 * sys/step-down) with the pipeline's token check (see Core.authorizeSudo).
 */
export function requireSudo(
  ctx: Context,
  core: Core,
  path: string,
  operation: 'read' | 'update' = 'update',
  needsSudo = true,
): Promise<void> {
  return core.authorizeSudo({
    token: clientToken(ctx),
    path,
    operation,
    needsSudo,
    remoteAddress: clientAddress(ctx, []),
  });
}

/** A sudo-protected sys action answered with 204, on PUT and POST (sys/rotate, sys/step-down). */
export function sudoAction(router: Router, core: Core, path: string, action: () => Promise<void>): void {
  const handle = async (ctx: Context): Promise<void> => {
    await requireSudo(ctx, core, path);
    await action();
    ctx.status = 204;
  };
  router.put(`/v1/${path}`, handle);
  router.post(`/v1/${path}`, handle);
}
