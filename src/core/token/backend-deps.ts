import type { TokenStore } from './token-store.js';
import type { TokenIssuer } from './token-issuer.js';
import type { Storage } from '../../logical/types.js';
import type { TokenEntry } from './token-entry.js';

/** What the auth/token backend needs. */
export interface TokenBackendDeps {
  readonly store: TokenStore;
  readonly issuer: TokenIssuer;
  /** The token mount's effective TTLs. */
  readonly ttls: () => { defaultLeaseTtl: number; maxLeaseTtl: number };
  /** Role definitions live here (sys/token/ view). */
  readonly storage: Storage;
  /** Lets the auth method that issued a login token refuse its renewal (throws). */
  readonly checkRenewal: (entry: TokenEntry) => Promise<void>;
}
