import type { Router, RouterContext } from '@koa/router';
import type { Core } from '../core/core.js';
import { InvalidRequestError } from '../helper/errors.js';
import type { HttpDeps } from './deps.js';
import { readRequestData } from './body.js';
import { requireSudo } from './guard.js';

function parseBool(v: unknown, name: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && ['true', '1', 't', 'True', 'TRUE'].includes(v)) return true;
  if (typeof v === 'string' && ['false', '0', 'f', 'False', 'FALSE', ''].includes(v)) return false;
  throw new InvalidRequestError(`'${name}' must be a boolean`);
}

/** sys/seal-status, sys/unseal and sys/seal: answered by every node for itself. */
export function registerSysSeal(router: Router, core: Core, deps: HttpDeps): void {
  router.get('/v1/sys/seal-status', async (ctx) => {
    ctx.body = await core.sealStatus();
  });

  const unseal = async (ctx: RouterContext): Promise<void> => {
    const data = await readRequestData(ctx, deps.maxRequestSize);
    if (parseBool(data.reset, 'reset')) {
      ctx.body = await core.resetUnseal();
      return;
    }
    if (parseBool(data.migrate, 'migrate')) throw new InvalidRequestError('seal migration is not supported');
    ctx.body = await core.submitUnsealKey(data.key);
  };
  router.put('/v1/sys/unseal', unseal);
  router.post('/v1/sys/unseal', unseal);

  const seal = async (ctx: RouterContext): Promise<void> => {
    await requireSudo(ctx, core, 'sys/seal');
    await core.sealNode('sealed by operator');
    ctx.status = 204;
  };
  router.put('/v1/sys/seal', seal);
  router.post('/v1/sys/seal', seal);
}
