import type { SecureVersion } from 'node:tls';
import type { TlsVersion } from './types.js';

const NODE_TLS_VERSIONS: Readonly<Record<TlsVersion, SecureVersion>> = {
  tls10: 'TLSv1',
  tls11: 'TLSv1.1',
  tls12: 'TLSv1.2',
  tls13: 'TLSv1.3',
};

/** A configured minimum TLS version (Vault's spelling, "tls12") in node:tls terms ("TLSv1.2"). */
export function nodeTlsVersion(version: TlsVersion): SecureVersion {
  return NODE_TLS_VERSIONS[version];
}
