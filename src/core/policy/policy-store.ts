import { InvalidRequestError, VaultError } from '../../helper/errors.js';
import type { Storage } from '../../logical/types.js';
import { Acl } from './acl.js';
import {
  DEFAULT_POLICY,
  DEFAULT_POLICY_NAME,
  IMMUTABLE_POLICIES,
  INTERNAL_POLICY_TEXT,
  NON_ASSIGNABLE_POLICIES,
  ROOT_POLICY_NAME,
  rootPolicy,
} from './builtin.js';
import { parsePolicy, renderPolicy, type Policy } from './parse.js';
import type { TemplateIdentity } from './template.js';

/** Where ACL policies live in the storage the store is given. */
export const POLICY_PREFIX = 'policy/';

const ROOT_ACL = new Acl([rootPolicy]);

const VALID_NAME = /^[a-z0-9_.@+=:-]+$/;

/** The stored form of one policy. */
interface PolicyEntry {
  name: string;
  raw: string;
}

/** Options for {@link PolicyStore}. */
export interface PolicyStoreOptions {
  /** How many parsed policies to keep in memory (default 1024). */
  readonly cacheSize?: number;
}

/**
 * Durable ACL policies: `policy/<name>` → JSON `{name, raw}`, with a cache of parsed policies.
 * `root` is never stored; the internal policies (response-wrapping, control-group) come from code.
 * Names are trimmed and lowercased everywhere.
 */
export class PolicyStore {
  private readonly cache = new Map<string, Policy>();
  private readonly aclCache = new Map<string, { generation: number; acl: Acl }>();
  private readonly cacheSize: number;
  /** Bumped by every write and invalidation, so that a read racing a write never caches stale text. */
  private generation = 0;

  constructor(
    private readonly storage: Storage,
    options: PolicyStoreOptions = {},
  ) {
    this.cacheSize = options.cacheSize ?? 1024;
  }

  /** Trims and lowercases a policy name, as every entry point of the store does. */
  static normalizeName(name: string): string {
    return name.trim().toLowerCase();
  }

  /** Writes the `default` policy unless it exists (an operator's edits are kept), and drops the cache. */
  async setup(): Promise<void> {
    this.invalidate();
    if ((await this.storage.get(POLICY_PREFIX + DEFAULT_POLICY_NAME)) === undefined) {
      await this.write(DEFAULT_POLICY_NAME, DEFAULT_POLICY);
    }
  }

  /** The named policy, or undefined. `root` yields the root marker policy. */
  async get(name: string): Promise<Policy | undefined> {
    const key = PolicyStore.normalizeName(name);
    if (key === ROOT_POLICY_NAME) return rootPolicy;
    if (!VALID_NAME.test(key)) return undefined;
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const generation = this.generation;
    const internal = INTERNAL_POLICY_TEXT[key];
    const raw = internal ?? (await this.readRaw(key));
    if (raw === undefined) return undefined;
    let policy: Policy;
    try {
      policy = await parsePolicy(key, raw);
    } catch (err) {
      throw new VaultError(500, `stored policy "${key}" no longer parses: ${(err as Error).message}`, false, {
        cause: err,
      });
    }
    if (generation === this.generation) this.remember(key, policy);
    return policy;
  }

  /**
   * Creates or replaces a policy after parsing it (text may be base64; the decoded text is stored).
   * Returns the normalized name and warnings for the response (e.g. the name was lowercased).
   */
  async set(name: string, text: string): Promise<{ name: string; warnings: string[] }> {
    const key = PolicyStore.normalizeName(name);
    if (key === '') throw new InvalidRequestError('policy name missing');
    if (key === ROOT_POLICY_NAME) throw new InvalidRequestError('cannot update root policy');
    if (IMMUTABLE_POLICIES.includes(key)) throw new InvalidRequestError(`cannot update "${key}" policy`);
    assertValidName(key);
    if (text === '') throw new InvalidRequestError("'policy' parameter not supplied or empty");
    const policy = await parsePolicy(key, text);
    await this.write(key, policy.raw);
    const warnings = key === name ? [] : [`policy name "${name}" was normalized to "${key}"`];
    return { name: key, warnings };
  }

  /** Deletes a policy; deleting one that does not exist succeeds. `root`, `default` and internal policies cannot be deleted. */
  async delete(name: string): Promise<void> {
    const key = PolicyStore.normalizeName(name);
    if (key === ROOT_POLICY_NAME) throw new InvalidRequestError('cannot delete root policy');
    if (key === DEFAULT_POLICY_NAME) throw new InvalidRequestError('cannot delete default policy');
    if (IMMUTABLE_POLICIES.includes(key)) throw new InvalidRequestError(`cannot delete "${key}" policy`);
    if (!VALID_NAME.test(key)) return;
    this.generation++;
    this.cache.delete(key);
    await this.storage.delete(POLICY_PREFIX + key);
    this.generation++;
  }

  /** Stored policy names, sorted, without `root` (the legacy sys/policy listing adds it) and without internal policies. */
  async list(): Promise<string[]> {
    const keys = await this.storage.list(POLICY_PREFIX);
    return keys.filter((k) => !k.endsWith('/') && !NON_ASSIGNABLE_POLICIES.includes(k)).sort();
  }

  /** Drops cached policies: one by name, or all (on promotion to active, or a storage change seen from elsewhere). */
  invalidate(name?: string): void {
    this.generation++;
    if (name === undefined) this.cache.clear();
    else this.cache.delete(PolicyStore.normalizeName(name));
  }

  /**
   * Builds the ACL for a token's policy names. `root` anywhere yields the root ACL; unknown names
   * are skipped, as Vault does; templated policies are rendered for `identity` (paths whose
   * templates cannot be filled are left out).
   */
  async acl(names: readonly string[], identity?: TemplateIdentity): Promise<Acl> {
    const unique = [...new Set(names.map((n) => PolicyStore.normalizeName(n)))].sort();
    if (unique.includes(ROOT_POLICY_NAME)) return ROOT_ACL;
    // ACLs are built once per set of names and policy generation (this sits on every request).
    const key = unique.join('\n');
    const cached = identity === undefined ? this.aclCache.get(key) : undefined;
    if (cached?.generation === this.generation) return cached.acl;
    const generation = this.generation;
    const found = await Promise.all(unique.map((n) => this.get(n)));
    const present = found.filter((p) => p !== undefined);
    const acl = new Acl(present.map((p) => renderPolicy(p, identity)));
    // Without an identity the rendering is the same every time, so templated policies cache too.
    if (identity === undefined) {
      if (this.aclCache.size >= this.cacheSize) this.aclCache.clear();
      this.aclCache.set(key, { generation, acl });
    }
    return acl;
  }

  private async write(key: string, raw: string): Promise<void> {
    const entry: PolicyEntry = { name: key, raw };
    this.generation++;
    this.cache.delete(key);
    await this.storage.put(POLICY_PREFIX + key, Buffer.from(JSON.stringify(entry), 'utf8'));
    // A read that started before the put finished must not cache what it saw.
    this.generation++;
  }

  private async readRaw(key: string): Promise<string | undefined> {
    const value = await this.storage.get(POLICY_PREFIX + key);
    if (value === undefined) return undefined;
    let entry: unknown;
    try {
      entry = JSON.parse(value.toString('utf8'));
    } catch (err) {
      throw new VaultError(500, `stored policy "${key}" is corrupt`, false, { cause: err });
    }
    const raw = typeof entry === 'object' && entry !== null ? (entry as Partial<PolicyEntry>).raw : undefined;
    if (typeof raw !== 'string')
      throw new VaultError(500, `stored policy "${key}" is corrupt: no "raw" text`, false);
    return raw;
  }

  private remember(key: string, policy: Policy): void {
    this.cache.set(key, policy);
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}

function assertValidName(name: string): void {
  if (!VALID_NAME.test(name) || name === '.' || name === '..') {
    throw new InvalidRequestError(
      `invalid policy name "${name}": use lowercase letters, digits and . _ - @ + = : only`,
    );
  }
}
