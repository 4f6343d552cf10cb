import type { MountEntry } from '../routing/mount-entry.js';
import type { LockoutSettings } from './user-lockout.js';
import { DEFAULT_LOCKOUT } from './user-lockout.js';

/** The effective lockout settings of an auth mount: its tuned values over Vault's defaults. */
export function lockoutSettings(entry: Pick<MountEntry, 'config'>): LockoutSettings {
  const c = entry.config.user_lockout_config;
  return {
    threshold: c?.lockout_threshold ?? DEFAULT_LOCKOUT.threshold,
    duration: c?.lockout_duration ?? DEFAULT_LOCKOUT.duration,
    counterReset: c?.lockout_counter_reset ?? DEFAULT_LOCKOUT.counterReset,
    disabled: c?.lockout_disable ?? DEFAULT_LOCKOUT.disabled,
  };
}
