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
