import type { LogicalBackend } from '../../logical/types.js';
import type { StorageView } from '../barrier/view.js';
import type { MountEntry } from './mount-entry.js';
import { routePrefix } from './mount-entry.js';

export interface Route {
  readonly prefix: string;
  readonly entry: MountEntry;
  readonly backend: LogicalBackend;
  readonly storage: StorageView;
}

export interface RouteMatch {
  readonly route: Route;
  /** The path relative to the mount. */
  readonly relative: string;
}

/** Longest-prefix routing from request paths to mounted backends. */
export class Router {
  private routes: Route[] = [];

  mount(entry: MountEntry, backend: LogicalBackend, storage: StorageView): void {
    const prefix = routePrefix(entry);
    this.routes = [
      ...this.routes.filter((r) => r.prefix !== prefix),
      { prefix, entry, backend, storage },
    ].sort((a, b) => b.prefix.length - a.prefix.length);
  }

  unmount(prefix: string): void {
    this.routes = this.routes.filter((r) => r.prefix !== prefix);
  }

  clear(): void {
    this.routes = [];
  }

  /** The mount serving `path`; a path equal to a mount without its slash matches it too. */
  match(path: string): RouteMatch | undefined {
    for (const route of this.routes) {
      if (path.startsWith(route.prefix)) return { route, relative: path.slice(route.prefix.length) };
      if (path + '/' === route.prefix) return { route, relative: '' };
    }
    return undefined;
  }

  /** The mount whose prefix conflicts with `prefix` (one is a prefix of the other), if any. */
  conflict(prefix: string): Route | undefined {
    return this.routes.find((r) => r.prefix.startsWith(prefix) || prefix.startsWith(r.prefix));
  }

  byPrefix(prefix: string): Route | undefined {
    return this.routes.find((r) => r.prefix === prefix);
  }

  byAccessor(accessor: string): Route | undefined {
    return this.routes.find((r) => r.entry.accessor === accessor);
  }

  all(): readonly Route[] {
    return this.routes;
  }
}
