/**
 * The cert auth method: clients authenticate with the TLS client certificate they present,
 * checked against trusted CAs or pinned leaves (`certs/`), name constraints and revocation lists
 * (`crls/`). Mount with `POST sys/auth/<path> {"type": "cert"}` on a TLS listener.
 */
import type { BackendFactory, LogicalBackend } from '../../../logical/types.js';
import { defineBackend } from '../../../framework/backend.js';
import { pathCerts } from './path-certs.js';
import { pathConfig } from './path-config.js';
import { pathCrls } from './path-crls.js';
import { pathLogin } from './path-login.js';

/** Creates the cert auth backend for a mount. */
export const certFactory: BackendFactory = (config): LogicalBackend =>
  defineBackend({
    type: 'cert',
    specialPaths: { unauthenticated: ['login'] },
    paths: [pathConfig, ...pathCerts(config.system), ...pathCrls, pathLogin],
  });
