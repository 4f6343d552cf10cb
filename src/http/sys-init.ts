import type { Router, RouterContext } from '@koa/router';
import type { Core } from '../core/core.js';
import { InvalidRequestError } from '../helper/errors.js';
import type { HttpDeps } from './deps.js';
import { readRequestData } from './body.js';

function requiredInt(data: Record<string, unknown>, name: string): number {
  const v = data[name];
  if (v === undefined) throw new InvalidRequestError(`missing required parameter '${name}'`);
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new InvalidRequestError(`'${name}' must be an integer`);
  return v;
}

const UNSUPPORTED = [
  'pgp_keys',
  'root_token_pgp_key',
  'recovery_shares',
  'recovery_threshold',
  'recovery_pgp_keys',
];

/** GET sys/init (is the storage initialised?) and PUT/POST sys/init (initialise it). */
export function registerSysInit(router: Router, core: Core, deps: HttpDeps): void {
  router.get('/v1/sys/init', async (ctx) => {
    ctx.body = { initialized: await core.initialized() };
  });
  const init = async (ctx: RouterContext): Promise<void> => {
    const data = await readRequestData(ctx, deps.maxRequestSize);
    for (const key of UNSUPPORTED) {
      const v = data[key];
      if (v !== undefined && v !== null && v !== 0 && v !== '' && !(Array.isArray(v) && v.length === 0)) {
        throw new InvalidRequestError(`'${key}' is not supported by this server's shamir seal`);
      }
    }
    const stored = data.stored_shares;
    if (stored !== undefined && stored !== 0)
      throw new InvalidRequestError('stored_shares is only valid with an auto-unseal seal');
    const result = await core.initialize({
      secretShares: requiredInt(data, 'secret_shares'),
      secretThreshold: requiredInt(data, 'secret_threshold'),
    });
    ctx.body = {
      keys: result.keys.map((k) => k.toString('hex')),
      keys_base64: result.keys.map((k) => k.toString('base64')),
      root_token: result.rootToken,
    };
    for (const k of result.keys) k.fill(0);
  };
  router.put('/v1/sys/init', init);
  router.post('/v1/sys/init', init);
}
