import type { TokenEntry } from './token-entry.js';
import { nowSeconds } from './token-entry.js';

/**
 * Vault's `auth` block for a freshly issued (or just renewed) token. `asOf` is when its TTL was
 * granted: a new token's creation time, so that its lease_duration is exactly the TTL it got
 * however long the request took afterwards (Vault reports the granted TTL too).
 */
export function authBlock(id: string, entry: TokenEntry, asOf = nowSeconds()): Record<string, unknown> {
  const tokenPolicies = entry.policies;
  return {
    client_token: id,
    accessor: entry.accessor,
    policies: tokenPolicies,
    token_policies: tokenPolicies,
    metadata: entry.meta,
    lease_duration: entry.expireTime === 0 ? 0 : Math.max(0, entry.expireTime - asOf),
    renewable: entry.renewable,
    entity_id: '',
    token_type: entry.type,
    orphan: entry.parent === '',
    mfa_requirement: null,
    num_uses: entry.numUses,
  };
}

/** The `data` of a token lookup. `id` is "" when looked up by accessor. */
export function lookupData(id: string, entry: TokenEntry): Record<string, unknown> {
  const now = nowSeconds();
  const data: Record<string, unknown> = {
    accessor: entry.accessor,
    creation_time: entry.creationTime,
    creation_ttl: entry.creationTtl,
    display_name: entry.displayName,
    entity_id: '',
    expire_time: entry.expireTime === 0 ? null : new Date(entry.expireTime * 1000).toISOString(),
    explicit_max_ttl: entry.explicitMaxTtl,
    id,
    issue_time: new Date(entry.creationTime * 1000).toISOString(),
    meta: entry.meta,
    num_uses: Math.max(0, entry.numUses),
    orphan: entry.parent === '',
    path: entry.path,
    policies: entry.policies,
    renewable: entry.renewable,
    ttl: entry.expireTime === 0 ? 0 : Math.max(0, entry.expireTime - now),
    type: entry.type,
  };
  if (entry.period > 0) data.period = entry.period;
  if (entry.role !== '') data.role = entry.role;
  if (entry.lastRenewal > 0) {
    data.last_renewal = new Date(entry.lastRenewal * 1000).toISOString();
    data.last_renewal_time = entry.lastRenewal;
  }
  if (entry.boundCidrs.length > 0) data.bound_cidrs = entry.boundCidrs;
  return data;
}
