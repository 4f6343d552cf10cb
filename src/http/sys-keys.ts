import type { Router } from '@koa/router';
import type { Core } from '../core/core.js';
import { envelopeWithTopLevel } from './envelope.js';
import { requireSudo, sudoAction } from './guard.js';

/** sys/rotate (new barrier key term) and sys/key-status. Root-protected. */
export function registerSysKeys(router: Router, core: Core): void {
  sudoAction(router, core, 'sys/rotate', async () => {
    await core.rotate();
  });

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
