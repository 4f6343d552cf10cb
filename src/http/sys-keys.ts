import type { Router, RouterContext } from '@koa/router';
import type { Core } from '../core/core.js';
import { envelopeWithTopLevel } from './envelope.js';
import { requireSudo } from './guard.js';

/** sys/rotate (new barrier key term) and sys/key-status. Root-protected. */
export function registerSysKeys(router: Router, core: Core): void {
  const rotate = async (ctx: RouterContext): Promise<void> => {
    await requireSudo(ctx, core, 'sys/rotate');
    await core.rotate();
    ctx.status = 204;
  };
  router.put('/v1/sys/rotate', rotate);
  router.post('/v1/sys/rotate', rotate);

  router.get('/v1/sys/key-status', async (ctx) => {
    await requireSudo(ctx, core, 'sys/key-status', 'read', false);
    const k = core.keyStatus();
    ctx.body = envelopeWithTopLevel({
      term: k.term,
      install_time: k.installTime,
      encryptions: k.encryptions,
    });
  });
}
