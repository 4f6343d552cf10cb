import type { PathSpec } from '../../framework/backend.js';
import { rest, segment } from '../../framework/backend.js';
import type { FieldData } from '../../framework/field-data.js';
import type { LogicalRequest, LogicalResponse } from '../../logical/types.js';
import { InvalidRequestError } from '../../helper/errors.js';
import { lockoutSettings } from '../lockout/settings.js';
import { DEFAULT_LOCKOUT } from '../lockout/user-lockout.js';
import type { SystemDeps } from './deps.js';

/** sys/locked-users (list) and sys/locked-users/<mount accessor>/unlock/<alias identifier>. */
export function lockedUserPaths(d: SystemDeps): PathSpec[] {
  const settingsOf = (accessor: string): ReturnType<typeof lockoutSettings> => {
    const route = d.router.byAccessor(accessor);
    return route === undefined ? DEFAULT_LOCKOUT : lockoutSettings(route.entry, d.lockoutDefaults);
  };
  const list = async (_req: LogicalRequest, f: FieldData): Promise<LogicalResponse> => {
    const locked = await d.lockout.locked(settingsOf);
    const only = f.string('mount_accessor');
    const mounts = [...locked.entries()]
      .filter(([accessor]) => only === '' || accessor === only)
      .map(([accessor, ids]) => ({
        mount_accessor: accessor,
        counts: ids.length,
        alias_identifiers: ids.sort(),
      }));
    const total = mounts.reduce((n, m) => n + m.counts, 0);
    return {
      data: {
        by_namespace:
          total === 0
            ? []
            : [{ namespace_id: 'root', namespace_path: '', counts: total, mount_accessors: mounts }],
        total,
      },
    };
  };
  const unlock = async (_req: LogicalRequest, f: FieldData): Promise<undefined> => {
    const accessor = f.string('mount_accessor');
    if (d.router.byAccessor(accessor) === undefined)
      throw new InvalidRequestError(`unknown mount accessor "${accessor}"`);
    await d.lockout.unlock(accessor, f.string('alias_identifier'));
    return undefined;
  };
  return [
    {
      pattern: '^locked-users/?$',
      fields: { mount_accessor: { kind: 'string', description: 'Only this auth mount.' } },
      operations: { read: list },
      synopsis: 'List locked identities.',
    },
    {
      pattern: `^locked-users/${segment('mount_accessor')}/unlock/${rest('alias_identifier')}$`,
      fields: {
        mount_accessor: { kind: 'string', description: 'Auth mount accessor.' },
        alias_identifier: { kind: 'string', description: 'Username or role id.' },
      },
      operations: { update: unlock },
      synopsis: 'Unlock a locked identity.',
    },
  ];
}
