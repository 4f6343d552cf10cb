import type { Context } from 'koa';
import type { Core } from '../core/core.js';
import { PermissionDeniedError, SealedError } from '../helper/errors.js';
import { clientToken } from './token.js';

/**
 * Authorises a root-protected system operation (seal, rotate): the token must exist and carry
 * the root policy. The request pipeline's ACL check replaces this for policy-driven sudo.
 */
export async function requireRootToken(ctx: Context, core: Core): Promise<void> {
  if (!core.state.unsealed) throw new SealedError();
  const token = clientToken(ctx);
  if (token === '') throw new PermissionDeniedError();
  const entry = await core.lookupToken(token);
  if (entry === undefined) throw new PermissionDeniedError(true);
  if (!entry.policies.includes('root')) throw new PermissionDeniedError();
}
