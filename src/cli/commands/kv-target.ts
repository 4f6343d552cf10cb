/**
 * What the `kv` commands share: the preflight `GET sys/internal/ui/mounts/<path>` that tells KV v1
 * from v2, the `-mount` syntax, vault's addPrefixToKVPath, and the `== Title ==` headers.
 */
import { posix } from 'node:path';
import type { FlagGroup } from '../../helper/go/flags.js';
import { type ApiClient, responseError } from '../client/api-client.js';
import { isObject, parseSecret } from '../client/secret.js';
import { type CommandContext, type CommandInput, attempt } from '../command.js';
import { sanitizePath } from './paths.js';

/** The kv commands' -mount flag. */
export const MOUNT_FLAG_GROUP: FlagGroup = {
  title: 'Common Options',
  flags: [
    {
      name: 'mount',
      kind: 'string',
      usage:
        'Specifies the path where the KV backend is mounted. If specified, the next argument will be interpreted as the secret path. If this flag is not specified, the next argument will be interpreted as the combined mount path and secret path, with /data/ automatically appended between KV v2 secrets.',
    },
  ],
};

/** Go's path.Join. */
export function goJoin(...parts: string[]): string {
  const joined = posix.normalize(parts.filter((p) => p !== '').join('/'));
  if (joined === '.') return '';
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}

/** The preflight: the mount path (with trailing slash) and whether it is KV version 2. */
export async function kvPreflight(
  client: ApiClient,
  path: string,
): Promise<{ mountPath: string; v2: boolean }> {
  const response = await client.rawRequest({
    method: 'GET',
    path: `sys/internal/ui/mounts/${path}`,
    noWrap: true,
  });
  const error = responseError(response);
  if (error !== undefined) {
    if (response.status === 404) return { mountPath: '', v2: false };
    throw error;
  }
  const secret = parseSecret(response.body);
  if (secret === null) throw new Error('nil response from pre-flight request');
  const data = secret.data ?? {};
  const mountPath = typeof data.path === 'string' ? data.path : '';
  const options = data.options;
  const version = isObject(options) ? options.version : undefined;
  return { mountPath, v2: version === '2' };
}

/** vault's addPrefixToKVPath: inserts `data/`, `metadata/`… after the mount path. */
export function addPrefixToKVPath(path: string, mountPath: string, apiPrefix: string): string {
  if (path === mountPath || path === mountPath.replace(/\/$/, '')) return goJoin(mountPath, apiPrefix);
  let mount = mountPath;
  let suffix = path.startsWith(mount) ? path.slice(mount.length) : path;
  while (suffix === path) {
    const at = mount.indexOf('/');
    if (at < 0 || mount.slice(at + 1) === '') break;
    mount = mount.slice(at + 1);
    suffix = path.startsWith(mount) ? path.slice(mount.length) : path;
  }
  return goJoin(mount, apiPrefix, suffix);
}

/** A kv command's target, resolved as vault resolves `-mount=secret foo` and `secret/foo`. */
export interface KvTarget {
  readonly mountPath: string;
  readonly partialPath: string;
  readonly v2: boolean;
  readonly mountFlagSyntax: boolean;
}

/** Resolves the path argument (and -mount) through the preflight. */
export async function resolveKvTarget(
  client: ApiClient,
  pathArg: string,
  mountFlag: string,
): Promise<KvTarget> {
  const mountFlagSyntax = mountFlag !== '';
  let partialPath = sanitizePath(pathArg);
  if (mountFlagSyntax) {
    const { mountPath, v2 } = await kvPreflight(client, sanitizePath(mountFlag));
    if (v2) partialPath = goJoin(mountPath, partialPath);
    return { mountPath, partialPath, v2, mountFlagSyntax };
  }
  const { mountPath, v2 } = await kvPreflight(client, partialPath);
  return { mountPath, partialPath, v2, mountFlagSyntax };
}

/**
 * The common start of every kv command: the client and the target of the first argument (and
 * -mount); a failing preflight ends the command with its error (exit 2).
 */
export async function kvTarget(input: CommandInput): Promise<{ client: ApiClient; target: KvTarget }> {
  const client = input.client();
  const target = await attempt('', () =>
    resolveKvTarget(client, input.args[0] ?? '', input.flags.string('mount')),
  );
  return { client, target };
}

/** The full API path: `<mount>/<prefix>/<path>` on v2, the plain path on v1. */
export function kvFullPath(target: KvTarget, prefix: string): string {
  if (target.v2) return addPrefixToKVPath(target.partialPath, target.mountPath, prefix);
  return target.mountFlagSyntax ? goJoin(target.mountPath, target.partialPath) : target.partialPath;
}

/** vault's padEqualSigns: "== Title ==" sized to `totalLength`. */
export function padEqualSigns(header: string, totalLength: number): string {
  let signs = totalLength - (header.length + 2);
  if (signs <= 0) signs = 4;
  if (signs % 2 !== 0) signs++;
  const side = '='.repeat(signs / 2);
  return `${side} ${header} ${side}`;
}

/** vault's getHeaderForMap: a header as wide as the Key/Value table below it. */
export function headerForMap(header: string, data: Record<string, unknown>): string {
  const maxKey = Math.max(0, ...Object.keys(data).map((k) => k.length));
  return padEqualSigns(header, maxKey + 4 + 5);
}

/** vault's outputPath: "== Secret Path ==", the path, a blank line. */
export function outputPath({ ui }: CommandContext, path: string, title: string): void {
  ui.info(padEqualSigns(title, path.length));
  ui.info(path);
  ui.info('');
}

/** vault's kvParseVersionsFlags: each -versions value may hold a comma-separated list. */
export function parseVersions(values: readonly string[]): string[] {
  return values.flatMap((v) =>
    v
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== ''),
  );
}
