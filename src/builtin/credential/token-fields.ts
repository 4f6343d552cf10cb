/**
 * The `token_*` parameters every auth method shares (Vault's tokenutil): which token a successful
 * login gets. Methods add `TOKEN_FIELDS` to their path schema, keep a `TokenParams` in their entry,
 * update it with `parseTokenFields`, show it with `tokenParamsData` and turn it into the login's
 * `auth` with `tokenAuth`.
 */
import type { Auth } from '../../logical/types.js';
import type { FieldData, FieldSchemas } from '../../framework/field-data.js';
import { InvalidRequestError } from '../../helper/errors.js';
import { invalidCidrs } from '../../helper/cidr.js';

/** Token settings of a user or role, stored as-is (durations in seconds). */
export interface TokenParams {
  token_policies: string[];
  token_ttl: number;
  token_max_ttl: number;
  token_explicit_max_ttl: number;
  token_period: number;
  token_num_uses: number;
  token_bound_cidrs: string[];
  token_no_default_policy: boolean;
  /** "default" or "service": tresor issues service tokens only. */
  token_type: 'default' | 'service';
}

/** Field schemas of the token parameters, with the legacy aliases Vault still accepts. */
export const TOKEN_FIELDS = {
  token_policies: { kind: 'strings', description: 'Policies of the issued tokens.' },
  policies: { kind: 'strings', description: 'Deprecated: use token_policies.' },
  token_ttl: { kind: 'duration', description: 'Initial TTL of the issued tokens.' },
  ttl: { kind: 'duration', description: 'Deprecated: use token_ttl.' },
  token_max_ttl: { kind: 'duration', description: 'Maximum lifetime of the issued tokens.' },
  max_ttl: { kind: 'duration', description: 'Deprecated: use token_max_ttl.' },
  token_explicit_max_ttl: { kind: 'duration', description: 'Hard maximum lifetime of the issued tokens.' },
  token_period: { kind: 'duration', description: 'Renewal period of the issued tokens (periodic tokens).' },
  period: { kind: 'duration', description: 'Deprecated: use token_period.' },
  token_num_uses: { kind: 'int', description: 'Uses of each issued token; 0 = unlimited.' },
  token_bound_cidrs: { kind: 'strings', description: 'CIDR blocks the issued tokens may be used from.' },
  bound_cidrs: { kind: 'strings', description: 'Deprecated: use token_bound_cidrs.' },
  token_no_default_policy: {
    kind: 'bool',
    description: "Leave the 'default' policy out of the issued tokens.",
  },
  token_type: {
    kind: 'string',
    description: 'Token type: "service" (or "default"); batch tokens are not supported.',
  },
} as const satisfies FieldSchemas;

/** The settings of a new user or role. */
export function defaultTokenParams(): TokenParams {
  return {
    token_policies: [],
    token_ttl: 0,
    token_max_ttl: 0,
    token_explicit_max_ttl: 0,
    token_period: 0,
    token_num_uses: 0,
    token_bound_cidrs: [],
    token_no_default_policy: false,
    token_type: 'default',
  };
}

/** Policy names as Vault stores them: trimmed, lowercased, without duplicates, sorted. */
export function normalizePolicies(list: readonly string[]): string[] {
  return [...new Set(list.map((p) => p.trim().toLowerCase()).filter((p) => p !== ''))].sort();
}

/** The sent value of `name`, else of its legacy alias, else undefined. */
function pick<T>(
  f: FieldData,
  name: string,
  alias: string | undefined,
  get: (n: string) => T,
): T | undefined {
  if (f.has(name)) return get(name);
  if (alias !== undefined && f.has(alias)) return get(alias);
  return undefined;
}

/**
 * Applies the token fields the client sent to `current` (fields not sent keep their value) and
 * validates the result. Throws a 400 naming the offending field.
 */
export function parseTokenFields(f: FieldData, current: TokenParams): TokenParams {
  const next: TokenParams = {
    ...current,
    token_policies: [...current.token_policies],
    token_bound_cidrs: [...current.token_bound_cidrs],
  };
  const policies = pick(f, 'token_policies', 'policies', (n) => f.strings(n));
  if (policies !== undefined) next.token_policies = normalizePolicies(policies);
  const ttl = pick(f, 'token_ttl', 'ttl', (n) => f.duration(n));
  if (ttl !== undefined) next.token_ttl = ttl;
  const maxTtl = pick(f, 'token_max_ttl', 'max_ttl', (n) => f.duration(n));
  if (maxTtl !== undefined) next.token_max_ttl = maxTtl;
  const explicitMax = pick(f, 'token_explicit_max_ttl', undefined, (n) => f.duration(n));
  if (explicitMax !== undefined) next.token_explicit_max_ttl = explicitMax;
  const period = pick(f, 'token_period', 'period', (n) => f.duration(n));
  if (period !== undefined) next.token_period = period;
  const numUses = pick(f, 'token_num_uses', undefined, (n) => f.int(n));
  if (numUses !== undefined) {
    if (numUses < 0) throw new InvalidRequestError("'token_num_uses' cannot be negative");
    next.token_num_uses = numUses;
  }
  const cidrs = pick(f, 'token_bound_cidrs', 'bound_cidrs', (n) => f.strings(n));
  if (cidrs !== undefined) {
    const bad = invalidCidrs(cidrs);
    if (bad.length > 0)
      throw new InvalidRequestError(
        `'token_bound_cidrs': invalid address or CIDR block ${JSON.stringify(bad[0])}`,
      );
    next.token_bound_cidrs = cidrs;
  }
  if (f.has('token_no_default_policy')) next.token_no_default_policy = f.bool('token_no_default_policy');
  if (f.has('token_type')) {
    const type = f.string('token_type');
    if (type === '' || type === 'default') next.token_type = 'default';
    else if (type === 'service' || type === 'default-service') next.token_type = 'service';
    else if (type === 'batch' || type === 'default-batch') {
      throw new InvalidRequestError(
        `'token_type' "${type}" is not supported: tresor issues service tokens only; use "service"`,
      );
    } else throw new InvalidRequestError(`invalid 'token_type' value "${type}"`);
  }
  if (next.token_ttl > 0 && next.token_max_ttl > 0 && next.token_ttl > next.token_max_ttl) {
    throw new InvalidRequestError("'token_ttl' cannot be greater than 'token_max_ttl'");
  }
  return next;
}

/** The token settings as a read shows them (Vault's PopulateTokenData). */
export function tokenParamsData(p: TokenParams): Record<string, unknown> {
  return {
    token_bound_cidrs: [...p.token_bound_cidrs],
    token_explicit_max_ttl: p.token_explicit_max_ttl,
    token_max_ttl: p.token_max_ttl,
    token_no_default_policy: p.token_no_default_policy,
    token_num_uses: p.token_num_uses,
    token_period: p.token_period,
    token_policies: [...p.token_policies],
    token_ttl: p.token_ttl,
    token_type: p.token_type,
  };
}

/**
 * The `auth` of a successful login with these settings: token_max_ttl caps the TTL like a mount's
 * max, token_explicit_max_ttl is the token's hard limit (periodic tokens ignore token_max_ttl, as
 * in Vault).
 */
export function tokenAuth(p: TokenParams): Auth {
  const auth: Auth = {
    policies: [...p.token_policies],
    ttl: p.token_ttl,
    period: p.token_period,
    renewable: true,
    numUses: p.token_num_uses,
    noDefaultPolicy: p.token_no_default_policy,
  };
  if (p.token_max_ttl > 0 && p.token_period === 0) auth.maxTtl = p.token_max_ttl;
  if (p.token_explicit_max_ttl > 0) auth.explicitMaxTtl = p.token_explicit_max_ttl;
  if (p.token_bound_cidrs.length > 0) auth.boundCidrs = [...p.token_bound_cidrs];
  return auth;
}

/**
 * A token's display name as Vault builds it: the mount path without `auth/`, slashes turned into
 * dashes, then the method's name for the login ("auth/userpass/" + "bob" → "userpass-bob").
 */
export function authDisplayName(mountPoint: string, name: string): string {
  const source = mountPoint.replace(/^auth\//, '').replaceAll('/', '-');
  return `${source}${name}`.replace(/-$/, '');
}

/** Whether a token's policies still match what its login would grant now ("default" aside), as Vault checks on renewal. */
export function samePolicies(tokenPolicies: readonly string[], configured: readonly string[]): boolean {
  const norm = (list: readonly string[]): string =>
    [...new Set(list.filter((p) => p !== 'default'))].sort().join(',');
  return norm(tokenPolicies) === norm(configured);
}
