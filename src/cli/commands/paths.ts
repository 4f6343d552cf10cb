/**
 * vault's path helpers for command arguments.
 */

/** vault's sanitizePath: no surrounding spaces or slashes. */
export function sanitizePath(path: string): string {
  return path.trim().replace(/^\/+/, '').replace(/\/+$/, '');
}

/** vault's ensureTrailingSlash. */
export function ensureTrailingSlash(path: string): string {
  const p = path.trim();
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}
