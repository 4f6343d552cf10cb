import type { Context } from 'koa';
import type { Core } from '../core/core.js';
import { clientToken } from './token.js';

/** Authorises a sudo-protected sys operation answered outside the pipeline (see Core.authorizeSudo). */
export function requireSudo(ctx: Context, core: Core, path: string, operation: 'read' | 'update' = 'update', needsSudo = true): Promise<void> {
  return core.authorizeSudo(clientToken(ctx), path, operation, needsSudo);
}
