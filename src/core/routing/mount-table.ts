import type { BackendFactory, LogicalBackend, Storage, SystemView } from '../../logical/types.js';
import type { Logger } from '../../helper/logger.js';
import { InvalidRequestError, VaultError } from '../../helper/errors.js';
import { shortHex, uuid } from '../../helper/random.js';
import { StorageView } from '../barrier/view.js';
import type { MountConfig, MountEntry } from './mount-entry.js';
import { routePrefix, storagePrefix } from './mount-entry.js';
import type { Router } from './router.js';
import { STORAGE_KEYS } from '../storage-keys.js';

const TABLE_KEYS = { mounts: STORAGE_KEYS.mountTable, auth: STORAGE_KEYS.authTable } as const;

/** Prefixes no user mount may take, and types that exist once. */
const PROTECTED_PREFIXES = ['sys/', 'cubbyhole/', 'identity/', 'auth/', 'audit/'];
const SINGLETON_TYPES = new Set(['system', 'cubbyhole', 'token', 'identity']);

export interface NewMount {
  readonly table: 'mounts' | 'auth';
  readonly path: string;
  readonly type: string;
  readonly description?: string;
  readonly config?: Partial<MountConfig>;
  readonly options?: Record<string, string>;
  readonly local?: boolean;
  readonly sealWrap?: boolean;
}

export interface MountTableDeps {
  readonly storage: Storage;
  readonly router: Router;
  readonly logger: Logger;
  readonly system: SystemView;
  /** Factories by type for each table. */
  readonly factories: {
    readonly mounts: ReadonlyMap<string, BackendFactory>;
    readonly auth: ReadonlyMap<string, BackendFactory>;
  };
  /** Called after a mount is removed so leases under it can be revoked. */
  readonly onUnmount?: (prefix: string) => Promise<void>;
}

/** "generic", "kv-v1" and "kv-v2" are kv under other names. */
function canonicalType(type: string): string {
  return type === 'generic' || type === 'kv-v1' || type === 'kv-v2' ? 'kv' : type;
}

/** Normalises a user-supplied mount path: no leading slash, exactly one trailing slash. */
export function normalizeMountPath(path: string): string {
  const p = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (p === '') throw new InvalidRequestError('mount path must not be empty');
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.' || seg === '..')
      throw new InvalidRequestError(`invalid mount path "${path}"`);
  }
  return `${p}/`;
}

/**
 * The secrets and auth mount tables: persisted behind the barrier, each mount with its uuid,
 * accessor and private storage view, kept in step with the router.
 */
export class MountTable {
  private entries: Record<'mounts' | 'auth', MountEntry[]> = { mounts: [], auth: [] };

  constructor(private readonly deps: MountTableDeps) {}

  /** Loads both tables (creating the built-in mounts on first use) and mounts everything. */
  async load(defaults: Record<'mounts' | 'auth', NewMount[]>): Promise<void> {
    this.deps.router.clear();
    for (const table of ['mounts', 'auth'] as const) {
      const raw = await this.deps.storage.get(TABLE_KEYS[table]);
      if (raw === undefined) {
        this.entries[table] = defaults[table].map((m) => this.newEntry(m));
        await this.persist(table);
      } else {
        this.entries[table] = JSON.parse(raw.toString('utf8')) as MountEntry[];
      }
      for (const entry of this.entries[table]) await this.activate(entry);
    }
  }

  list(table: 'mounts' | 'auth'): readonly MountEntry[] {
    return this.entries[table];
  }

  async mount(m: NewMount): Promise<MountEntry> {
    const path = normalizeMountPath(m.path);
    if (m.table === 'mounts' && PROTECTED_PREFIXES.some((p) => path.startsWith(p))) {
      throw new VaultError(403, `cannot mount under "${path}": the path is reserved`);
    }
    if (SINGLETON_TYPES.has(m.type)) {
      throw new VaultError(403, `mount type of "${m.type}" is not mountable`);
    }
    if (!this.deps.factories[m.table].has(canonicalType(m.type))) {
      throw new InvalidRequestError(
        m.table === 'auth'
          ? `unknown auth method type: ${m.type}`
          : `plugin not found in the catalog: ${m.type}`,
      );
    }
    const entry = this.newEntry({ ...m, path });
    const conflict = this.deps.router.conflict(routePrefix(entry));
    if (conflict !== undefined) throw new VaultError(409, `path is already in use at ${conflict.prefix}`);
    await this.activate(entry);
    this.entries[m.table] = [...this.entries[m.table], entry];
    await this.persist(m.table);
    this.deps.logger.info({ path: routePrefix(entry), type: entry.type }, 'mounted');
    return entry;
  }

  /** Removes a mount and its data; a missing mount is not an error (Vault answers 204). */
  async unmount(table: 'mounts' | 'auth', rawPath: string): Promise<void> {
    const path = normalizeMountPath(rawPath);
    const entry = this.entries[table].find((e) => e.path === path);
    if (entry === undefined) return;
    if (SINGLETON_TYPES.has(entry.type)) throw new VaultError(400, `cannot unmount "${path}"`);
    const prefix = routePrefix(entry);
    const route = this.deps.router.byPrefix(prefix);
    this.entries[table] = this.entries[table].filter((e) => e !== entry);
    await this.persist(table);
    this.deps.router.unmount(prefix);
    await this.deps.onUnmount?.(prefix);
    if (route !== undefined) {
      await route.backend.cleanup?.(route.storage);
      await clearView(route.storage);
    }
    this.deps.logger.info({ path: prefix }, 'unmounted');
  }

  async tune(
    table: 'mounts' | 'auth',
    rawPath: string,
    change: { config?: Partial<MountConfig>; description?: string; options?: Record<string, string> },
  ): Promise<MountEntry> {
    const path = normalizeMountPath(rawPath);
    const entry = this.entries[table].find((e) => e.path === path);
    if (entry === undefined)
      throw new InvalidRequestError(`no mount at ${table === 'auth' ? 'auth/' : ''}${path}`);
    const next: MountEntry = {
      ...entry,
      config: { ...entry.config, ...change.config },
      description: change.description ?? entry.description,
      options: { ...entry.options, ...change.options },
    };
    if (entry.type === 'kv' && next.options.version !== entry.options.version) {
      if (entry.options.version === '2' && next.options.version !== '2') {
        throw new InvalidRequestError('cannot downgrade a kv version 2 mount to version 1');
      }
    }
    this.entries[table] = this.entries[table].map((e) => (e === entry ? next : e));
    await this.persist(table);
    if (next.options.version !== entry.options.version) await this.activate(next);
    else {
      const route = this.deps.router.byPrefix(routePrefix(next));
      if (route !== undefined) this.deps.router.mount(next, route.backend, route.storage);
    }
    return next;
  }

  find(table: 'mounts' | 'auth', rawPath: string): MountEntry | undefined {
    const path = normalizeMountPath(rawPath);
    return this.entries[table].find((e) => e.path === path);
  }

  private newEntry(m: NewMount): MountEntry {
    const type = canonicalType(m.type);
    const options = { ...m.options };
    if (m.type === 'kv-v2') options.version = '2';
    if (m.type === 'kv-v1') options.version = '1';
    if (options.version !== undefined && type !== 'kv') {
      throw new InvalidRequestError(`the "version" option is only valid for kv mounts, not "${type}"`);
    }
    if (type === 'kv' && options.version !== undefined && !['1', '2'].includes(options.version)) {
      throw new InvalidRequestError(`kv "version" option must be "1" or "2", got "${options.version}"`);
    }
    const accessorType = m.table === 'auth' ? `auth_${type}` : type;
    return {
      table: m.table,
      path: m.path,
      type,
      description: m.description ?? '',
      uuid: uuid(),
      accessor: `${accessorType}_${shortHex()}`,
      config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false, ...m.config },
      options,
      local: m.local ?? false,
      seal_wrap: m.sealWrap ?? false,
      external_entropy_access: false,
      plugin_version: '',
    };
  }

  private async activate(entry: MountEntry): Promise<void> {
    const factory = this.deps.factories[entry.table].get(entry.type);
    if (factory === undefined)
      throw new Error(`no backend for mount type "${entry.type}" at ${routePrefix(entry)}`);
    const storage = new StorageView(this.deps.storage, storagePrefix(entry));
    const backend: LogicalBackend = await factory({
      mountPath: routePrefix(entry),
      options: entry.options,
      storage,
      logger: this.deps.logger.child({ mount: routePrefix(entry) }),
      system: this.deps.system,
    });
    this.deps.router.mount(entry, backend, storage);
  }

  private async persist(table: 'mounts' | 'auth'): Promise<void> {
    await this.deps.storage.put(TABLE_KEYS[table], Buffer.from(JSON.stringify(this.entries[table]), 'utf8'));
  }
}

async function clearView(view: Storage, prefix = ''): Promise<void> {
  for (const key of await view.list(prefix)) {
    if (key.endsWith('/')) await clearView(view, prefix + key);
    else await view.delete(prefix + key);
  }
}
