import { InvalidRequestError } from '../helper/errors.js';

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

/**
 * Refuses (400) a request path no client means: "." or ".." segments (traversal), NUL bytes, and
 * empty segments ("a//b", a leading "/"; one trailing "/" marks a folder and is kept). Vault's
 * HTTP mux redirects such paths to a cleaned one; a redirect would turn a write into a read, so a
 * clear refusal is the safer answer. One check in the pipeline, before routing, for every mount.
 */
export function assertCleanRequestPath(path: string): void {
  if (path.includes('\0')) throw new InvalidRequestError('invalid path: NUL bytes are not allowed');
  const segments = path.split('/');
  if (segments.some((s) => s === '..' || s === '.')) {
    throw new InvalidRequestError(`invalid path "${path}": "." and ".." segments are not allowed`);
  }
  if (segments.slice(0, -1).some((s) => s === '')) {
    throw new InvalidRequestError(
      `invalid path "${path}": empty path segments ("//" or a leading "/") are not allowed`,
    );
  }
}
