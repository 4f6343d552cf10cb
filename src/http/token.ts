import type { Context } from 'koa';

/** The client token: X-Vault-Token, else `Authorization: Bearer <token>`; other schemes are ignored. */
export function clientToken(ctx: Context): string {
  const header = ctx.get('x-vault-token');
  if (header !== '') return header.trim();
  const auth = ctx.get('authorization');
  const m = /^Bearer\s+(.+)$/i.exec(auth);
  return m?.[1]?.trim() ?? '';
}
