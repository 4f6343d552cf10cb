import { parseDurationSeconds } from '../../helper/duration.js';
import { InvalidRequestError } from '../../helper/errors.js';
import { isObject, PolicySource } from './policy-source.js';
import { checkTemplates, renderTemplates, type TemplateIdentity } from './template.js';

/** Vault's capabilities, in the order Vault documents them. */
export const CAPABILITIES = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'deny'] as const;

/** One ACL capability. */
export type Capability = (typeof CAPABILITIES)[number];

/** Legacy `policy = "…"` values and the capabilities each stands for (Vault's mapping; write has no patch). */
const LEGACY: Readonly<Record<string, readonly Capability[]>> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

const PATH_KEYS = [
  'capabilities',
  'policy',
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
  'comment',
];
const ENTERPRISE_KEYS = ['mfa_methods', 'control_group'];

/** Parameter constraints: lowercased parameter name → allowed (or denied) values; `[]` means any value. */
export type ParameterMap = Readonly<Record<string, readonly unknown[]>>;

/** One `path "…" { … }` block, validated. */
export interface PathRule {
  /** The pattern as written, without a leading "/". */
  readonly pattern: string;
  /** How the pattern matches: exactly, as a prefix (`*` suffix), or by `+` segments (optionally ending in `*`). */
  readonly kind: 'exact' | 'prefix' | 'segment';
  /** The ACL key: the pattern, with the trailing `*` removed for prefix rules. */
  readonly path: string;
  /** Deduplicated; `["deny"]` alone when deny was given. */
  readonly capabilities: readonly Capability[];
  readonly allowedParameters?: ParameterMap;
  readonly deniedParameters?: ParameterMap;
  readonly requiredParameters: readonly string[];
  /** Seconds; 0 when unset. */
  readonly minWrappingTtl: number;
  /** Seconds; 0 when unset. */
  readonly maxWrappingTtl: number;
}

/** A parsed ACL policy. `raw` is the text as stored (base64 already decoded). */
export interface Policy {
  readonly name: string;
  readonly raw: string;
  readonly paths: readonly PathRule[];
  /** True when some path pattern holds identity templates (`{{identity.entity.id}}`). */
  readonly templated: boolean;
}

/**
 * Returns the policy text, base64-decoded when the whole text is valid standard base64 of valid
 * UTF-8 (Vault accepts policies either way; a real policy is never valid base64).
 */
export function decodePolicyText(text: string): string {
  const compact = text.replace(/[\r\n]/g, '');
  if (compact === '' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact))
    return text;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(compact, 'base64'));
  } catch {
    return text;
  }
}

/**
 * Parses an ACL policy written in HCL or JSON (or either, base64-encoded). Any problem is an
 * InvalidRequestError whose message names the policy, the path pattern and, where it can be found
 * in the source, the line.
 */
export async function parsePolicy(name: string, text: string): Promise<Policy> {
  const raw = decodePolicyText(text);
  const src = new PolicySource(name, raw);
  const doc = src.json ? src.parseJson() : await src.parseHcl();
  for (const key of Object.keys(doc)) {
    if (key !== 'path' && key !== 'name') {
      throw src.error(
        `unknown top-level key "${key}"; a policy holds "path" blocks only`,
        src.lineOf(key, 0),
      );
    }
  }
  const paths: PathRule[] = [];
  let templated = false;
  for (const block of src.blocks(doc.path)) {
    const where = src.locate(block.pattern, block.occurrence);
    const check = checkTemplates(block.pattern);
    if (check.error !== undefined) throw src.error(`path "${block.pattern}"${where.label}: ${check.error}`);
    templated ||= check.templated;
    const pattern = block.pattern.startsWith('/') ? block.pattern.slice(1) : block.pattern;
    paths.push(parseBlock(src, block.pattern, pattern, block.body, where.offset));
  }
  return { name, raw, paths, templated };
}

/**
 * Fills the identity templates of a templated policy for one caller. Paths whose templates cannot
 * be filled (no entity, unknown key, or a value holding a wildcard) are left out, as Vault leaves
 * them out; an untemplated policy is returned as is.
 */
export function renderPolicy(policy: Policy, identity: TemplateIdentity | undefined): Policy {
  if (!policy.templated) return policy;
  const paths: PathRule[] = [];
  for (const rule of policy.paths) {
    if (!rule.pattern.includes('{{')) {
      paths.push(rule);
      continue;
    }
    const pattern = renderTemplates(rule.pattern, identity);
    if (pattern !== undefined) paths.push({ ...rule, pattern, ...classify(pattern) });
  }
  return { ...policy, paths };
}

/** How a pattern matches, and its ACL key (prefix rules lose their `*`; `+` rules keep it). */
function classify(pattern: string): Pick<PathRule, 'kind' | 'path'> {
  const segment = pattern === '+' || pattern.includes('/+') || pattern.startsWith('+/');
  if (segment) return { kind: 'segment', path: pattern };
  return pattern.endsWith('*')
    ? { kind: 'prefix', path: pattern.slice(0, -1) }
    : { kind: 'exact', path: pattern };
}

function parseBlock(
  src: PolicySource,
  written: string,
  pattern: string,
  body: unknown,
  at: number,
): PathRule {
  const fail = (message: string, token?: string): InvalidRequestError => {
    const line = src.lineOf(token, at) ?? src.lineOf(undefined, at);
    return src.error(`path "${written}"${line === undefined ? '' : `, line ${line}`}: ${message}`);
  };
  if (!isObject(body)) throw fail('must be a block such as { capabilities = ["read"] }');
  for (const key of Object.keys(body)) {
    if (ENTERPRISE_KEYS.includes(key))
      throw fail(`"${key}" is a Vault Enterprise feature that this server does not support`, key);
    if (!PATH_KEYS.includes(key))
      throw fail(`unknown key "${key}"; valid keys are ${PATH_KEYS.join(', ')}`, key);
  }
  if (pattern.includes('+*')) throw fail(`invalid use of wildcards ('+*' is forbidden)`);
  if (pattern.includes('*') && pattern.indexOf('*') !== pattern.length - 1) {
    throw fail(
      `"*" is only allowed as the last character of a path pattern, as in "secret/*"; use "+" for one path segment`,
    );
  }

  const caps = new Set<Capability>();
  const listed = body.capabilities ?? [];
  if (!Array.isArray(listed) || !listed.every((c) => typeof c === 'string')) {
    throw fail('capabilities must be a list of strings, such as ["read", "list"]', 'capabilities');
  }
  for (const cap of listed) {
    if (!(CAPABILITIES as readonly string[]).includes(cap)) {
      throw fail(
        `invalid capability "${cap}"; valid capabilities are ${CAPABILITIES.join(', ')}`,
        `"${cap}"`,
      );
    }
    caps.add(cap as Capability);
  }
  if (body.policy !== undefined) {
    const legacy = typeof body.policy === 'string' ? LEGACY[body.policy] : undefined;
    if (legacy === undefined)
      throw fail(
        `invalid policy ${JSON.stringify(body.policy)}; use one of deny, read, write, sudo`,
        'policy',
      );
    for (const cap of legacy) caps.add(cap);
  }

  const ttl = (key: 'min_wrapping_ttl' | 'max_wrapping_ttl'): number => {
    if (body[key] === undefined) return 0;
    try {
      return parseDurationSeconds(body[key], key);
    } catch (err) {
      throw fail((err as Error).message, key);
    }
  };
  const minWrappingTtl = ttl('min_wrapping_ttl');
  const maxWrappingTtl = ttl('max_wrapping_ttl');
  if (minWrappingTtl !== 0 && maxWrappingTtl !== 0 && maxWrappingTtl < minWrappingTtl) {
    throw fail('max_wrapping_ttl cannot be less than min_wrapping_ttl', 'max_wrapping_ttl');
  }

  const required = body.required_parameters ?? [];
  if (!Array.isArray(required) || !required.every((p) => typeof p === 'string')) {
    throw fail(
      'required_parameters must be a list of parameter names, such as ["name"]',
      'required_parameters',
    );
  }
  if (body.comment !== undefined && typeof body.comment !== 'string')
    throw fail('comment must be a string', 'comment');

  const allowed = parameterMap(body.allowed_parameters, 'allowed_parameters', fail);
  const denied = parameterMap(body.denied_parameters, 'denied_parameters', fail);
  return {
    pattern,
    ...classify(pattern),
    capabilities: caps.has('deny') ? ['deny'] : CAPABILITIES.filter((c) => caps.has(c)),
    ...(allowed === undefined ? {} : { allowedParameters: allowed }),
    ...(denied === undefined ? {} : { deniedParameters: denied }),
    requiredParameters: [...new Set(required)],
    minWrappingTtl,
    maxWrappingTtl,
  };
}

function parameterMap(
  value: unknown,
  key: string,
  fail: (message: string, token?: string) => InvalidRequestError,
): ParameterMap | undefined {
  if (value === undefined) return undefined;
  // HCL's block form `allowed_parameters { … }` arrives as a list of objects.
  const parts = Array.isArray(value) && value.every(isObject) ? value : [value];
  const out: Record<string, unknown[]> = {};
  for (const part of parts) {
    if (!isObject(part))
      throw fail(
        `${key} must be a map of parameter names to lists of values, such as { "ttl" = ["1h", "2h"] }`,
        key,
      );
    for (const [param, values] of Object.entries(part)) {
      if (!Array.isArray(values))
        throw fail(
          `${key}: the value for "${param}" must be a list, such as ["a", "b*"], or [] for any value`,
          key,
        );
      out[param.toLowerCase()] = [...(out[param.toLowerCase()] ?? []), ...(values as unknown[])];
    }
  }
  return out;
}
