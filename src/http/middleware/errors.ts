import type { Middleware } from 'koa';
import type { Logger } from '../../helper/logger.js';
import { VaultError } from '../../helper/errors.js';

/**
 * The only place errors become HTTP: `{"errors": [...]}` with the error's status. It also
 * answers JSON as exactly `application/json` (no charset), which hvac requires to parse errors.
 */
export function errorsMiddleware(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.response.type === 'application/json') ctx.set('Content-Type', 'application/json');
    } catch (err) {
      const known = err instanceof VaultError ? err : undefined;
      const status = known?.status ?? 500;
      ctx.status = status;
      ctx.set('Cache-Control', 'no-store');
      if (ctx.method === 'HEAD') {
        ctx.body = null;
        return;
      }
      const message = known?.expose === true ? known.message : 'internal error';
      ctx.body = { errors: message === '' ? [] : [message] };
      ctx.set('Content-Type', 'application/json');
      if (known?.expose !== true) log.error({ err, path: ctx.path, method: ctx.method }, 'request failed');
    }
  };
}
