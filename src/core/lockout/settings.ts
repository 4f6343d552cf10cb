import type { MountEntry } from '../routing/mount-entry.js';
import type { LockoutSettings } from './user-lockout.js';
import { DEFAULT_LOCKOUT } from './user-lockout.js';

/** Server-wide defaults by label ("all" or an auth method type), from `user_lockout` config blocks. */
export type LockoutDefaults = Readonly<
  Record<
    string,
    {
      readonly threshold?: number;
      readonly duration?: number;
      readonly counterReset?: number;
      readonly disabled?: boolean;
    }
  >
>;

/**
 * The effective lockout settings of an auth mount, most specific first: the mount's tuned
 * user_lockout_config, the server's `user_lockout "<type>"`, its `user_lockout "all"`, Vault's defaults.
 */
export function lockoutSettings(
  entry: Pick<MountEntry, 'config' | 'type'>,
  server: LockoutDefaults = {},
): LockoutSettings {
  const c = entry.config.user_lockout_config;
  const byType = server[entry.type];
  const all = server.all;
  return {
    threshold: c?.lockout_threshold ?? byType?.threshold ?? all?.threshold ?? DEFAULT_LOCKOUT.threshold,
    duration: c?.lockout_duration ?? byType?.duration ?? all?.duration ?? DEFAULT_LOCKOUT.duration,
    counterReset:
      c?.lockout_counter_reset ?? byType?.counterReset ?? all?.counterReset ?? DEFAULT_LOCKOUT.counterReset,
    disabled: c?.lockout_disable ?? byType?.disabled ?? all?.disabled ?? DEFAULT_LOCKOUT.disabled,
  };
}
