/**
 * A token as stored (under a salted HMAC of its id; the id itself is never stored).
 * Times are unix seconds; ttl values are seconds, 0 meaning "never expires".
 */
export interface TokenEntry {
  accessor: string;
  /** Salted id of the parent, "" for orphans. */
  parent: string;
  policies: string[];
  meta: Record<string, string> | null;
  displayName: string;
  /** Remaining uses; 0 = unlimited. */
  numUses: number;
  creationTime: number;
  /** The TTL at creation (seconds). */
  creationTtl: number;
  /** Absolute expiry (unix seconds), 0 = never. */
  expireTime: number;
  explicitMaxTtl: number;
  period: number;
  renewable: boolean;
  path: string;
  type: 'service' | 'batch';
  /** Identifies this token's cubbyhole; random, not derived from the id. */
  cubbyholeId: string;
  role: string;
  lastRenewal: number;
  boundCidrs: string[];
  /** Tokens from a login: the auth mount's accessor and what the method kept for renewals. */
  authMountAccessor?: string;
  authInternalData?: Record<string, unknown>;
}

export function isRootEntry(e: TokenEntry): boolean {
  return e.policies.includes('root');
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
