/**
 * Matches a mount-relative path against a backend's special-path globs: an exact name, or a
 * prefix ending in "*" ("login/*" matches "login/bob"; "login*" matches "login" and "login/bob").
 */
export function matchesSpecialPath(globs: readonly string[] | undefined, path: string): boolean {
  if (globs === undefined) return false;
  const p = path.replace(/\/+$/, '');
  for (const g of globs) {
    if (g.endsWith('*')) {
      if (path.startsWith(g.slice(0, -1)) || p.startsWith(g.slice(0, -1))) return true;
    } else if (g === path || g === p) return true;
  }
  return false;
}

/** Rejects "." and ".." segments anywhere in a request path (path traversal), and NUL bytes. */
export function hasTraversal(path: string): boolean {
  if (path.includes('\0')) return true;
  return path.split('/').some((s) => s === '..' || s === '.');
}
