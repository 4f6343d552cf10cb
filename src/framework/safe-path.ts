import { InvalidRequestError } from '../helper/errors.js';

/**
 * Rejects a request path with "." or ".." segments (400). Storage views refuse them too; checking
 * in the engine gives the client a clear message before any storage is touched.
 */
export function assertSafePath(path: string): void {
  for (const segment of path.split('/')) {
    if (segment === '.' || segment === '..') {
      throw new InvalidRequestError(`invalid path "${path}": "." and ".." segments are not allowed`);
    }
  }
}
