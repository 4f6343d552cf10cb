/**
 * What the Consul registration says about a node, derived from nothing but its state: the service
 * tags and the sealed check's status. Pure functions, so that the registration keeps no copy of the
 * state and the mapping is tested on its own.
 */
import { roleOf, type NodeStateName } from '../../src/core/node-state.js';
import type { CheckStatus } from '../client/client.js';

/** Tag of the node that holds the HA lock and serves. */
export const ACTIVE_TAG = 'active';
/** Tag of an unsealed node that does not serve as active (also while it steps down). */
export const STANDBY_TAG = 'standby';
/** Tag of a node whose storage holds an initialised barrier (Vault ≥ 1.5). */
export const INITIALIZED_TAG = 'initialized';

/** Tags only the state may set; configured service_tags never carry them. */
export const RESERVED_TAGS: readonly string[] = [
  ACTIVE_TAG,
  STANDBY_TAG,
  INITIALIZED_TAG,
  'performance-standby',
];

/** The sealed check's status and output ("note"), Vault's wording. */
export interface SealedCheckReport {
  readonly status: CheckStatus;
  readonly note: string;
}

/**
 * `active` while active; `standby` while standby or stepping down (the moment a node starts to give
 * up the lock it stops being advertised as active); none while sealed or uninitialized — such a
 * node can become neither, and its check is critical anyway.
 */
export function roleTag(state: NodeStateName): string | undefined {
  switch (roleOf(state)) {
    case 'active':
      return ACTIVE_TAG;
    case 'standby':
      return STANDBY_TAG;
    case 'none':
      return undefined;
  }
}

/** The configured tags without duplicates, empty strings and reserved tags, in their order. */
export function configuredTags(serviceTags: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const raw of serviceTags) {
    const tag = raw.trim();
    if (tag !== '' && !RESERVED_TAGS.includes(tag)) seen.add(tag);
  }
  return [...seen];
}

/** The configured tags that were dropped because only the state may set them. */
export function reservedTagsIn(serviceTags: readonly string[]): string[] {
  return [...new Set(serviceTags.map((t) => t.trim()).filter((t) => RESERVED_TAGS.includes(t)))];
}

/** service_tags + active|standby + initialized, as Vault registers them. */
export function serviceTags(state: NodeStateName, serviceTagsConfigured: readonly string[]): string[] {
  const tags = configuredTags(serviceTagsConfigured);
  const role = roleTag(state);
  if (role !== undefined) tags.push(role);
  if (state !== 'uninitialized') tags.push(INITIALIZED_TAG);
  return tags;
}

/**
 * Passing ("Vault Unsealed") while unsealed, critical ("Vault Sealed") while sealed or
 * uninitialized; critical with the reason while the node is `degraded` (an active node whose audit
 * devices all fail cannot serve, so Consul stops naming it).
 */
export function sealedCheck(state: NodeStateName, degraded?: string): SealedCheckReport {
  if (roleOf(state) === 'none') return { status: 'critical', note: 'Vault Sealed' };
  if (degraded !== undefined) return { status: 'critical', note: degraded };
  return { status: 'passing', note: 'Vault Unsealed' };
}

/** Whether two tag lists hold the same tags, in any order (Vault's EquivalentSlices). */
export function sameTags(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sorted = (x: readonly string[]): string => JSON.stringify([...x].sort());
  return sorted(a) === sorted(b);
}
