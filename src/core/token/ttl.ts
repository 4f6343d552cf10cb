/**
 * Token and lease TTL arithmetic as Vault does it. All values in seconds; 0 means "unset" for
 * inputs and "never expires" for the result.
 */
export interface TtlInput {
  readonly requested: number;
  readonly period: number;
  readonly explicitMax: number;
  /** The mount's effective default and max (system values when the mount has none). */
  readonly defaultTtl: number;
  readonly maxTtl: number;
  /** Root tokens without a requested TTL never expire. */
  readonly neverExpires?: boolean;
}

export interface TtlResult {
  readonly ttl: number;
  /** Absolute hard limit relative to now (0 = none). */
  readonly maxTtl: number;
  readonly warnings: string[];
}

export function computeTtl(i: TtlInput): TtlResult {
  const warnings: string[] = [];
  if (i.neverExpires === true && i.requested === 0 && i.period === 0 && i.explicitMax === 0) {
    return { ttl: 0, maxTtl: 0, warnings };
  }
  let ttl: number;
  let max = i.maxTtl;
  if (i.explicitMax > 0 && (max === 0 || i.explicitMax < max)) max = i.explicitMax;
  if (i.period > 0) {
    ttl = i.period;
    // periodic tokens are bounded by explicit_max_ttl only
    max = i.explicitMax;
  } else {
    ttl = i.requested > 0 ? i.requested : i.defaultTtl;
  }
  if (max > 0 && ttl > max) {
    warnings.push(
      `TTL of "${ttl}s" exceeded the effective max_ttl of "${max}s"; TTL value is capped accordingly`,
    );
    ttl = max;
  }
  return { ttl, maxTtl: max, warnings };
}
