/**
 * The App-ID auth method — LEGACY. Vault deprecated it in 0.6.1 and removed it in 1.13 in favour
 * of AppRole; tresor keeps it so that old deployments (the classic "App-ID + cubbyhole" workflow)
 * can move over. New setups should use approle.
 *
 * An operator maps app IDs to policies and user IDs (typically a hash of a machine property such as
 * a MAC address) to the app IDs they may use, optionally with a CIDR block; a machine logs in with
 * both ids.
 *
 * Storage layout (inside the mount's view, behind the barrier; hmac = HMAC-SHA256 under the
 * mount's random salt):
 *   salt                                  the mount's HMAC key
 *   map/app-id/<hmac(lowercased app id)>  {value: "pol1,pol2", display_name}
 *   map/user-id/<hmac(lowercased user id)> {value: "app1,app2", cidr_block}
 *
 * Failures answer 400 "missing 'app_id' or 'user_id'", "unauthorized source address" or
 * "invalid user ID or app ID", as Vault did.
 */
import type { BackendFactory } from '../../../logical/types.js';
import { defineBackend } from '../../../framework/backend.js';
import { MountSalt } from '../mount-salt.js';
import { MapStore } from './map-store.js';
import { mapPaths } from './path-map.js';
import { loginPaths } from './path-login.js';

/** Creates the App-ID backend for its mount. */
export const appIdFactory: BackendFactory = (config) => {
  const store = new MapStore(config.storage, new MountSalt(config.storage));
  return defineBackend({
    type: 'app-id',
    paths: [...loginPaths(store), ...mapPaths(store)],
    specialPaths: { unauthenticated: ['login', 'login/*'] },
  });
};
