// Request constraints of an ACL rule beyond its capabilities: parameters and wrapping TTLs.
import { isDeepStrictEqual } from 'node:util';
import type { ParameterMap } from './parse.js';

/**
 * Request-parameter constraints of one ACL rule (allowed_parameters, denied_parameters,
 * required_parameters), merged across policies and checked as Vault does.
 */
export interface ParameterConstraints {
  /** Lowercased name → allowed values (`[]`: any); undefined when the rule sets none. */
  allowed: Map<string, unknown[]> | undefined;
  denied: Map<string, unknown[]> | undefined;
  /** Names as written; looked up lowercased in the request. */
  required: string[];
}

/**
 * Checks request parameters: every required one present; then, when there are any parameters, none
 * denied (`"*"` denies all) and each allowed (`"*"` allows any name). Returns why it fails, or undefined.
 */
export function checkParameters(
  perms: ParameterConstraints,
  data: Readonly<Record<string, unknown>>,
): string | undefined {
  for (const name of perms.required) {
    if (!Object.hasOwn(data, name.toLowerCase())) return `required parameter "${name}" is missing`;
  }
  const entries = Object.entries(data);
  if (entries.length === 0) return undefined;
  const { denied, allowed } = perms;
  if (denied !== undefined && denied.size > 0) {
    if (denied.has('*')) return 'all parameters are denied';
    for (const [name, value] of entries) {
      const values = denied.get(name.toLowerCase());
      if (values !== undefined && valueInList(value, values)) return `parameter "${name}" is denied`;
    }
  }
  if (allowed === undefined || allowed.size === 0) return undefined;
  const anyName = allowed.has('*');
  if (anyName && allowed.size === 1) return undefined;
  for (const [name, value] of entries) {
    const values = allowed.get(name.toLowerCase());
    if (values === undefined && !anyName) return `parameter "${name}" is not allowed`;
    if (values !== undefined && !valueInList(value, values))
      return `this value of parameter "${name}" is not allowed`;
  }
  return undefined;
}

/** An empty list allows any value; strings match globs (`foo-*`, `*-foo`, `*foo*`); others compare deeply. */
function valueInList(value: unknown, list: readonly unknown[]): boolean {
  if (list.length === 0) return true;
  return list.some((item) => {
    if (item === null || item === undefined || value === null || value === undefined)
      return (item ?? null) === (value ?? null);
    if (typeof item === 'string' && typeof value === 'string') return globMatch(item, value);
    return isDeepStrictEqual(item, value);
  });
}

function globMatch(pattern: string, value: string): boolean {
  if (pattern.length < 2) return pattern === value;
  const starts = pattern.startsWith('*');
  const ends = pattern.endsWith('*');
  if (starts && ends) return value.includes(pattern.slice(1, -1));
  if (starts) return value.endsWith(pattern.slice(1));
  if (ends) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

/** Merges a rule's parameter map into the merged one, as Vault does (values appended; `[]` wins). */
export function mergeParameters(
  existing: Map<string, unknown[]> | undefined,
  incoming: ParameterMap | undefined,
): Map<string, unknown[]> | undefined {
  if (incoming === undefined || Object.keys(incoming).length === 0) return existing;
  if (existing === undefined) return toMap(incoming);
  for (const [name, values] of Object.entries(incoming)) {
    const current = existing.get(name);
    // An empty list (any value) absorbs every other list for that parameter.
    existing.set(name, values.length === 0 || current?.length === 0 ? [] : [...values, ...(current ?? [])]);
  }
  return existing;
}

/** Copies a parsed parameter map into a mutable Map. */
export function toMap(params: ParameterMap | undefined): Map<string, unknown[]> | undefined {
  return params === undefined ? undefined : new Map(Object.entries(params).map(([k, v]) => [k, [...v]]));
}

/** Checks the wrapping TTL bounds of a rule (seconds; 0 = unset); a bound makes wrapping mandatory. */
export function checkWrapping(
  perms: { readonly minWrappingTtl: number; readonly maxWrappingTtl: number },
  wrapTtl: number | undefined,
): string | undefined {
  const { minWrappingTtl: min, maxWrappingTtl: max } = perms;
  if (max > 0 && (wrapTtl === undefined || wrapTtl > max))
    return `the response must be wrapped with a TTL of at most ${max}s`;
  if (min > 0 && (wrapTtl === undefined || wrapTtl < min))
    return `the response must be wrapped with a TTL of at least ${min}s`;
  if (min > 0 && max > 0 && max < min)
    return 'the merged policies require a wrapping TTL no request can meet';
  return undefined;
}
