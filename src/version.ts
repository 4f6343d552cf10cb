/** The Vault API version tresor answers as (semver build metadata names us), and our own. */
export const TRESOR_VERSION = '0.1.0';
export const VAULT_COMPAT_VERSION = `1.15.0+tresor.${TRESOR_VERSION}`;
export const BUILD_DATE = '2026-11-23T00:00:00Z';
