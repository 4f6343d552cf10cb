import type { Router, RouterContext } from '@koa/router';
import type { Core } from '../core/core.js';
import { requireSudo } from './guard.js';

/** sys/step-down: the active node gives the lock up (a standby forwards this to the active). */
export function registerSysStepDown(router: Router, core: Core): void {
  const stepDown = async (ctx: RouterContext): Promise<void> => {
    await requireSudo(ctx, core, 'sys/step-down');
    await core.stepDown();
    ctx.status = 204;
  };
  router.put('/v1/sys/step-down', stepDown);
  router.post('/v1/sys/step-down', stepDown);
}
