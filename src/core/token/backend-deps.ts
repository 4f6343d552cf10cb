import type { TokenStore } from './token-store.js';
import type { TokenIssuer } from './token-issuer.js';
import type { Storage } from '../../logical/types.js';

/** What the auth/token backend needs. */
export interface TokenBackendDeps {
  readonly store: TokenStore;
  readonly issuer: TokenIssuer;
  /** The token mount's effective TTLs. */
  readonly ttls: () => { defaultLeaseTtl: number; maxLeaseTtl: number };
  /** Role definitions live here (sys/token/ view). */
  readonly storage: Storage;
}
