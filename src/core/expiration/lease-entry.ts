/** A lease as stored under `sys/expire/id/<lease id>` (behind the barrier). Times are unix seconds. */
export interface LeaseEntry {
  leaseId: string;
  kind: 'secret' | 'token';
  /** The request path that created it, relative to the root ("database/creds/app"). */
  path: string;
  /** Route prefix of the mount that owns the secret ("database/"). */
  mountPrefix: string;
  /** Salted id of the token that created it (secrets) or of the token itself (token leases). */
  tokenSalted: string;
  internalData: Record<string, unknown>;
  /** Response data kept for renewals (never returned in lookups). */
  issueTime: number;
  lastRenewal: number;
  /** 0 = never expires. */
  expireTime: number;
  /** Hard limit from max TTL (0 = none). */
  maxExpireTime: number;
  renewable: boolean;
}

/** The expiry bucket of a time: one bucket per minute, zero-padded so that listing sorts by time. */
export function bucketOf(unixSeconds: number): string {
  return Math.floor(unixSeconds / 60)
    .toString()
    .padStart(12, '0');
}
