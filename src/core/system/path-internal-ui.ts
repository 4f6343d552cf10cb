import type { PathSpec } from '../../framework/backend.js';
import { rest } from '../../framework/backend.js';
import type { FieldData } from '../../framework/field-data.js';
import type { LogicalRequest, LogicalResponse } from '../../logical/types.js';
import { VaultError } from '../../helper/errors.js';
import { mountEntryJson, routePrefix } from '../routing/mount-entry.js';
import type { SystemDeps } from './deps.js';

/**
 * sys/internal/ui/mounts[/<path>]: unauthenticated, filtered by the caller's ACL. `vault kv` and
 * Agent templates use it to tell kv v1 from v2 (options.version must be the string "2").
 */
export function internalUiPaths(d: SystemDeps): PathSpec[] {
  const one = async (req: LogicalRequest, f: FieldData): Promise<LogicalResponse> => {
    const path = f.string('path').replace(/^\/+/, '');
    const match = d.router.match(path);
    const denied = (): VaultError =>
      new VaultError(
        403,
        `preflight capability check returned 403, please ensure client's policies grant access to path "${path.endsWith('/') ? path : path + '/'}"`,
      );
    if (match === undefined || match.route.entry.type === 'system') throw denied();
    const policies = req.tokenEntry?.policies;
    if (policies === undefined) throw denied();
    const acl = await d.policies.acl(policies);
    const prefix = match.route.prefix;
    if (!acl.isRoot && !acl.hasAnyAccessUnder(prefix)) throw denied();
    const entry = match.route.entry;
    return {
      data: { ...mountEntryJson(entry), path: entry.table === 'auth' ? routePrefix(entry) : entry.path },
    };
  };
  const all = async (req: LogicalRequest): Promise<LogicalResponse> => {
    const policies = req.tokenEntry?.policies ?? [];
    const acl = await d.policies.acl(policies);
    const secret: Record<string, unknown> = {};
    const auth: Record<string, unknown> = {};
    for (const e of d.mounts.list('mounts')) {
      if (policies.length > 0 && (acl.isRoot || acl.hasAnyAccessUnder(e.path)))
        secret[e.path] = mountEntryJson(e);
    }
    for (const e of d.mounts.list('auth')) {
      if (policies.length > 0 && (acl.isRoot || acl.hasAnyAccessUnder(routePrefix(e))))
        auth[e.path] = mountEntryJson(e);
    }
    return { data: { secret, auth } };
  };
  return [
    {
      pattern: '^internal/ui/mounts/?$',
      fields: {},
      operations: { read: all },
      synopsis: 'Mounts visible to the caller.',
    },
    {
      pattern: `^internal/ui/mounts/${rest('path')}$`,
      fields: { path: { kind: 'string', description: 'A path inside a mount.' } },
      operations: { read: one },
      synopsis: 'The mount serving a path.',
    },
  ];
}
