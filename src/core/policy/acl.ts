import type { Operation } from '../../logical/types.js';
import {
  checkParameters,
  checkWrapping,
  mergeParameters,
  toMap,
  type ParameterConstraints,
} from './constraints.js';
import { matchSegments, outranks, segmentRule, type Rank, type SegmentRule } from './wildcard.js';
import { CAPABILITIES, type Capability, type PathRule, type Policy } from './parse.js';

const BIT: Readonly<Record<Capability, number>> = {
  deny: 1,
  create: 2,
  read: 4,
  update: 8,
  delete: 16,
  list: 32,
  sudo: 64,
  patch: 128,
};
const DENY = BIT.deny;

/** The capability each logical operation needs (renew and revoke requests arrive as update). */
const OPERATION_CAPABILITY: Readonly<Record<Operation, Capability>> = {
  read: 'read',
  list: 'list',
  create: 'create',
  update: 'update',
  patch: 'patch',
  delete: 'delete',
};

/** Operations whose request parameters are checked against allowed/denied/required parameters. */
const PARAMETER_OPERATIONS: ReadonlySet<Operation> = new Set<Operation>([
  'read',
  'create',
  'update',
  'patch',
]);

/** The merged permissions of every rule with one pattern. */
interface Permissions extends ParameterConstraints {
  bits: number;
  minWrappingTtl: number;
  maxWrappingTtl: number;
  /** Capability bit → names of the policies granting it. */
  granting: Map<number, Set<string>>;
}

/** A non-exact rule that matched a path, ranked. */
interface Candidate extends Rank {
  readonly perms: Permissions;
}

/** What {@link Acl.allowOperation} is asked. */
export interface AclRequest {
  readonly operation: Operation;
  /** The full request path (mount included), without /v1/. */
  readonly path: string;
  /** Request parameters (body or query), checked against parameter constraints. */
  readonly data?: Readonly<Record<string, unknown>> | undefined;
  /** Apply LIST matching (trailing slash tried without it first); defaults to operation === 'list'. */
  readonly isList?: boolean | undefined;
  /** The path is sudo-protected ("root path"): the sudo capability is required as well. */
  readonly needsSudo?: boolean | undefined;
  /** Seconds the client asked the response to be wrapped for; undefined when not wrapping. */
  readonly wrapTtl?: number | undefined;
}

/** The ACL decision. `reason` says why a request was refused (for logs, never for the client). */
export interface AclResult {
  readonly allowed: boolean;
  /** The matching rule grants sudo (always true for root). */
  readonly sudo: boolean;
  readonly reason?: string;
  /** Policies granting the operation's capability on the matching rule (["root"] for root). */
  readonly grantingPolicies: string[];
}

/**
 * An access-control list compiled from a token's policies, evaluated as Vault does: an exact rule
 * wins; otherwise, among the longest matching `*` prefix rule and every matching `+` rule, the one
 * of highest priority applies alone. Rules with the same pattern in several policies are merged:
 * capabilities united, deny overriding everything, parameter constraints merged, the lowest
 * wrapping TTL bounds kept.
 */
export class Acl {
  /** True when the `root` policy is present: everything is allowed, sudo included. */
  readonly isRoot: boolean;
  private readonly exact = new Map<string, Permissions>();
  private readonly prefix = new Map<string, Permissions>();
  private readonly segment = new Map<string, Permissions>();
  private readonly segmentRules: SegmentRule[] = [];

  constructor(policies: readonly Policy[]) {
    this.isRoot = policies.some((p) => p.name === 'root');
    if (this.isRoot) return;
    for (const policy of policies) for (const rule of policy.paths) this.add(rule, policy.name);
    for (const key of this.segment.keys()) this.segmentRules.push(segmentRule(key));
  }

  /**
   * The capabilities a token has on `path`, as sys/capabilities reports them: sorted, `["root"]`
   * for root, `["deny"]` when nothing (or an explicit deny) applies. LIST matching is used, as Vault does.
   */
  capabilities(path: string): string[] {
    if (this.isRoot) return ['root'];
    const perms = this.lookup(trimLeadingSlashes(path), true);
    if (perms === undefined || (perms.bits & DENY) !== 0) return ['deny'];
    const out = CAPABILITIES.filter((c) => (perms.bits & BIT[c]) !== 0);
    return out.length === 0 ? ['deny'] : out.sort();
  }

  /**
   * Whether the token can do anything at all under `path` (a mount path such as "secret/"), as
   * sys/internal/ui/mounts asks: a grant on the path itself, or any non-deny rule below it.
   */
  hasAnyAccessUnder(path: string): boolean {
    if (this.isRoot) return true;
    const base = trimLeadingSlashes(path);
    if (!this.capabilities(base).includes('deny')) return true;
    const grants = (perms: Permissions): boolean => (perms.bits & DENY) === 0 && perms.bits !== 0;
    for (const table of [this.exact, this.prefix]) {
      for (const [key, perms] of table) if (key.startsWith(base) && grants(perms)) return true;
    }
    const parts = (base.endsWith('/') ? base.slice(0, -1) : base).split('/');
    return this.segmentRules.some((rule) => {
      const perms = this.segment.get(rule.key);
      if (perms === undefined || !grants(perms) || rule.parts.length < parts.length) return false;
      return parts.every((got, i) => {
        const want = rule.parts[i] ?? '';
        return (
          want === '+' ||
          want === got ||
          (rule.isPrefix && i === rule.parts.length - 1 && got.startsWith(want))
        );
      });
    });
  }

  /** Decides one request: capability for the operation, wrapping TTL bounds, parameter constraints, sudo. */
  allowOperation(req: AclRequest): AclResult {
    if (this.isRoot) return { allowed: true, sudo: true, grantingPolicies: ['root'] };
    const path = trimLeadingSlashes(req.path);
    const perms = this.lookup(path, req.isList ?? req.operation === 'list');
    if (perms === undefined) return refuse(false, `no policy grants access to "${path}"`);
    if ((perms.bits & DENY) !== 0) return refuse(false, `"${path}" is explicitly denied`);
    const sudo = (perms.bits & BIT.sudo) !== 0;
    const capability = OPERATION_CAPABILITY[req.operation];
    if ((perms.bits & BIT[capability]) === 0)
      return refuse(sudo, `the ${req.operation} operation needs the "${capability}" capability`);

    const wrapping = checkWrapping(perms, req.wrapTtl);
    if (wrapping !== undefined) return refuse(sudo, wrapping);
    if (PARAMETER_OPERATIONS.has(req.operation)) {
      const parameters = checkParameters(perms, req.data ?? {});
      if (parameters !== undefined) return refuse(sudo, parameters);
    }
    if (req.needsSudo === true && !sudo)
      return refuse(sudo, `"${path}" is sudo-protected and needs the "sudo" capability`);
    return { allowed: true, sudo, grantingPolicies: [...(perms.granting.get(BIT[capability]) ?? [])] };
  }

  private add(rule: PathRule, policyName: string): void {
    const table = rule.kind === 'exact' ? this.exact : rule.kind === 'prefix' ? this.prefix : this.segment;
    const bits = rule.capabilities.reduce((acc, c) => acc | BIT[c], 0);
    const existing = table.get(rule.path);
    if (existing === undefined) {
      table.set(rule.path, {
        bits,
        allowed: toMap(rule.allowedParameters),
        denied: toMap(rule.deniedParameters),
        required: [...rule.requiredParameters],
        minWrappingTtl: rule.minWrappingTtl,
        maxWrappingTtl: rule.maxWrappingTtl,
        granting: addGranting(new Map(), bits, policyName),
      });
      return;
    }
    if ((existing.bits & DENY) !== 0) return;
    if ((bits & DENY) !== 0) {
      existing.bits = DENY;
      existing.allowed = undefined;
      existing.denied = undefined;
      return;
    }
    existing.bits |= bits;
    addGranting(existing.granting, bits, policyName);
    // The lower of two set bounds wins, for the max and for the min alike (Vault prefers short lifetimes).
    if (
      rule.maxWrappingTtl > 0 &&
      (existing.maxWrappingTtl === 0 || rule.maxWrappingTtl < existing.maxWrappingTtl)
    )
      existing.maxWrappingTtl = rule.maxWrappingTtl;
    if (
      rule.minWrappingTtl > 0 &&
      (existing.minWrappingTtl === 0 || rule.minWrappingTtl < existing.minWrappingTtl)
    )
      existing.minWrappingTtl = rule.minWrappingTtl;
    existing.allowed = mergeParameters(existing.allowed, rule.allowedParameters);
    existing.denied = mergeParameters(existing.denied, rule.deniedParameters);
    for (const p of rule.requiredParameters) if (!existing.required.includes(p)) existing.required.push(p);
  }

  private lookup(path: string, list: boolean): Permissions | undefined {
    const exact = this.exact.get(path);
    if (exact !== undefined) return exact;
    // LIST: an exact rule for the path without its trailing slash, then (as OpenBao does) glob and
    // segment rules against that shorter path, before the path as given.
    if (list) {
      const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
      const bare = this.exact.get(trimmed);
      if (bare !== undefined) return bare;
      if (trimmed !== path) {
        const nonExact = this.nonExact(trimmed);
        if (nonExact !== undefined) return nonExact;
      }
    }
    return this.nonExact(path);
  }

  private nonExact(path: string): Permissions | undefined {
    let best: Candidate | undefined;
    if (this.prefix.size > 0) {
      for (let end = path.length; end >= 0; end--) {
        const key = path.slice(0, end);
        const perms = this.prefix.get(key);
        if (perms === undefined) continue;
        if (this.segmentRules.length === 0) return perms;
        best = { firstWildcard: key.length, isPrefix: true, wildcards: 0, wcPath: key, perms };
        break;
      }
    }
    const parts = path.split('/');
    for (const rule of this.segmentRules) {
      const candidate = matchSegments(rule, parts);
      if (candidate === undefined) continue;
      const perms = this.segment.get(rule.key);
      if (perms === undefined) continue;
      const found: Candidate = { ...candidate, perms };
      if (best === undefined || outranks(found, best)) best = found;
    }
    return best?.perms;
  }
}

function addGranting(
  granting: Map<number, Set<string>>,
  bits: number,
  policyName: string,
): Map<number, Set<string>> {
  for (const bit of Object.values(BIT)) {
    if ((bits & bit) === 0) continue;
    const names = granting.get(bit) ?? new Set<string>();
    names.add(policyName);
    granting.set(bit, names);
  }
  return granting;
}

function refuse(sudo: boolean, reason: string): AclResult {
  return { allowed: false, sudo, reason, grantingPolicies: [] };
}

function trimLeadingSlashes(path: string): string {
  let i = 0;
  while (path.charCodeAt(i) === 47) i++;
  return path.slice(i);
}
