/** A `+` pattern (possibly ending in `*`), split once when the ACL is built. */
export interface SegmentRule {
  /** The pattern as the ACL keys it, trailing `*` included. */
  readonly key: string;
  /** The pattern without its trailing `*`, split on "/". */
  readonly parts: readonly string[];
  readonly isPrefix: boolean;
  /** Index of the first `+` in the pattern. */
  readonly firstWildcard: number;
}

/** What Vault ranks a matching non-exact rule by. */
export interface Rank {
  readonly firstWildcard: number;
  readonly isPrefix: boolean;
  /** Number of `+` segments. */
  readonly wildcards: number;
  /** The pattern without its trailing `*`. */
  readonly wcPath: string;
}

/** Splits a `+` pattern for matching. */
export function segmentRule(key: string): SegmentRule {
  const isPrefix = key.endsWith('*');
  const wcPath = isPrefix ? key.slice(0, -1) : key;
  return { key, parts: wcPath.split('/'), isPrefix, firstWildcard: key.indexOf('+') };
}

/** Matches a path (split on "/") against a `+` rule; returns its ranking facts, or undefined. */
export function matchSegments(rule: SegmentRule, parts: readonly string[]): Rank | undefined {
  if (parts.length < rule.parts.length) return undefined;
  if (!rule.isPrefix && parts.length !== rule.parts.length) return undefined;
  let wildcards = 0;
  const last = rule.parts.length - 1;
  for (const [i, want] of rule.parts.entries()) {
    const got = parts[i] ?? '';
    if (want === '+') wildcards++;
    else if (want !== got && !(rule.isPrefix && i === last && got.startsWith(want))) return undefined;
  }
  return {
    firstWildcard: rule.firstWildcard,
    isPrefix: rule.isPrefix,
    wildcards,
    wcPath: rule.isPrefix ? rule.key.slice(0, -1) : rule.key,
  };
}

/**
 * Vault's priority between two matching non-exact rules. `a` outranks `b` when its first wildcard
 * comes later; else when it is not a prefix rule and `b` is; else when it has fewer `+` segments;
 * else when it is longer; else when it sorts after `b`.
 */
export function outranks(a: Rank, b: Rank): boolean {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard > b.firstWildcard;
  if (a.isPrefix !== b.isPrefix) return !a.isPrefix;
  if (a.wildcards !== b.wildcards) return a.wildcards < b.wildcards;
  if (a.wcPath.length !== b.wcPath.length) return a.wcPath.length > b.wcPath.length;
  return a.wcPath > b.wcPath;
}
