import { InvalidRequestError } from '../../helper/errors.js';
import { DEFAULT_POLICY_NAME, ROOT_POLICY_NAME } from '../policy/builtin.js';
import { PolicyStore } from '../policy/policy-store.js';

/** What a token role says about the policies of the tokens made from it. */
export interface RolePolicyRules {
  readonly allowed_policies: readonly string[];
  readonly disallowed_policies: readonly string[];
  readonly token_no_default_policy: boolean;
}

export interface ChildPolicyRequest {
  /** The creating token's policies. */
  readonly parent: readonly string[];
  /** The creator may assign policies it does not hold (a root token). */
  readonly privileged: boolean;
  /** The policies asked for; empty or undefined inherits (the role's allowed set, else the parent's). */
  readonly requested?: readonly string[] | undefined;
  /** no_default_policy was asked for. */
  readonly noDefaultPolicy: boolean;
  /** The role the token is created against, if any. */
  readonly role?: RolePolicyRules | undefined;
}

/** Trimmed, lowercased, without empties and duplicates; `root` alone if present; `default` added on request. */
export function sanitizePolicies(names: readonly string[], addDefault: boolean): string[] {
  const out = [...new Set(names.map((n) => PolicyStore.normalizeName(n)).filter((n) => n !== ''))];
  if (out.includes(ROOT_POLICY_NAME)) return [ROOT_POLICY_NAME];
  if (addDefault && !out.includes(DEFAULT_POLICY_NAME)) out.push(DEFAULT_POLICY_NAME);
  return out;
}

function assertSubsetOfParent(
  wanted: readonly string[],
  parent: readonly string[],
  ignoreDefault: boolean,
): void {
  const held = new Set(sanitizePolicies(parent, false));
  if (wanted.some((p) => !held.has(p) && !(ignoreDefault && p === DEFAULT_POLICY_NAME))) {
    throw new InvalidRequestError('child policies must be subset of parent');
  }
}

/**
 * The final policy set of a token created through auth/token/create*, `default` included when it
 * belongs there (Vault's rules):
 * - a role with allowed_policies: the requested policies must be among them (a role may grant
 *   policies its caller does not hold; that is what it is for); nothing requested gives all of them;
 * - otherwise (no role, or a role without allowed_policies) an unprivileged creator may only pass
 *   on policies it holds itself ("child policies must be subset of parent"); nothing requested
 *   inherits the creator's policies;
 * - a role's disallowed_policies are refused in every case;
 * - `default` is added for role tokens and for privileged creators, and for others only when the
 *   parent holds it; no_default_policy (the request's or the role's) strips it.
 * Non-assignable internal policies are refused by the issuer, for every way of issuing a token.
 */
export function childPolicies(r: ChildPolicyRequest): string[] {
  const requested = r.requested ?? [];
  const noDefault = r.noDefaultPolicy || r.role?.token_no_default_policy === true;
  let policies: string[];
  if (r.role !== undefined) {
    const disallowed = sanitizePolicies(r.role.disallowed_policies, false);
    const addDefault = !noDefault && !disallowed.includes(DEFAULT_POLICY_NAME);
    const allowed = sanitizePolicies(r.role.allowed_policies, false);
    if (allowed.length > 0) {
      const allowedWithDefault = sanitizePolicies(allowed, addDefault);
      policies = requested.length > 0 ? sanitizePolicies(requested, addDefault) : allowedWithDefault;
      const extra = policies.filter((p) => !allowedWithDefault.includes(p));
      if (extra.length > 0) {
        throw new InvalidRequestError(
          `token policies (${extra.join(', ')}) must be subset of the role's allowed_policies (${allowed.join(', ')})`,
        );
      }
    } else {
      policies = sanitizePolicies(requested.length > 0 ? requested : r.parent, addDefault);
    }
    const refused = policies.find((p) => disallowed.includes(p));
    if (refused !== undefined)
      throw new InvalidRequestError(`token policy "${refused}" is disallowed by this role`);
    if (allowed.length === 0 && !r.privileged) assertSubsetOfParent(policies, r.parent, true);
  } else if (requested.length === 0) {
    policies = sanitizePolicies(r.parent, false);
  } else {
    const wanted = sanitizePolicies(requested, false);
    if (!r.privileged) assertSubsetOfParent(wanted, r.parent, false);
    const addDefault = !noDefault && (r.privileged || r.parent.includes(DEFAULT_POLICY_NAME));
    policies = sanitizePolicies(wanted, addDefault);
  }
  if (noDefault) policies = policies.filter((p) => p !== DEFAULT_POLICY_NAME);
  if (policies.includes(ROOT_POLICY_NAME) && !r.parent.includes(ROOT_POLICY_NAME)) {
    throw new InvalidRequestError('root tokens may only be created by root tokens');
  }
  return policies;
}
