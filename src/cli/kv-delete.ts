/**
 * `kv delete|undelete|destroy` (soft delete, restore and permanent removal of versions).
 */
import { type Command, HTTP_FLAGS, checkArgCount } from './command.js';
import { outputSecret } from './format.js';
import { MOUNT_FLAG_GROUP, kvFullPath, parseVersions } from './kv-common.js';
import { kvStart } from './kv.js';
import { writeFailure, writeOutcome } from './logical.js';
import { type Secret, writeSecret } from './secret.js';

/** `kv delete [-versions=1,2] [-mount=M] PATH`. */
export const kvDeleteCommand: Command = {
  name: 'kv delete',
  synopsis: 'Deletes versions in the KV store',
  help: `Usage: tresor kv delete [options] PATH

  Deletes the data for the provided version and path in the key-value store. The
  versioned data will not be fully removed, but marked as deleted and will no
  longer be returned in normal get requests.

      $ tresor kv delete -mount=secret foo
      $ tresor kv delete -mount=secret -versions=3 foo`,
  flags: [
    HTTP_FLAGS,
    {
      title: 'Common Options',
      flags: [
        ...MOUNT_FLAG_GROUP.flags,
        { name: 'versions', kind: 'strings', usage: 'Specifies the version numbers to delete.' },
      ],
    },
  ],
  async run(ctx, argv) {
    const start = await kvStart(ctx, this, argv, (args) => checkArgCount(ctx, args, 1, 1));
    if (typeof start === 'number') return start;
    const { flags, client, target } = start;
    const versions = parseVersions(flags.strings('versions'));
    const fullPath = kvFullPath(target, 'data');
    let secret: Secret | null;
    try {
      if (target.v2 && versions.length > 0)
        secret = await writeSecret(client, 'PUT', kvFullPath(target, 'delete'), { versions });
      else secret = await writeSecret(client, 'DELETE', fullPath);
    } catch (err) {
      return writeFailure(ctx, `Error deleting ${fullPath}`, err);
    }
    if (secret === null)
      return writeOutcome(ctx, null, `Success! Data deleted (if it existed) at: ${fullPath}`, '');
    return outputSecret(ctx.ui, secret);
  },
};

function versionedCommand(verb: 'undelete' | 'destroy', synopsis: string, help: string): Command {
  return {
    name: `kv ${verb}`,
    synopsis,
    help,
    flags: [
      HTTP_FLAGS,
      {
        title: 'Common Options',
        flags: [
          ...MOUNT_FLAG_GROUP.flags,
          { name: 'versions', kind: 'strings', usage: `Specifies the version numbers to ${verb}.` },
        ],
      },
    ],
    async run(ctx, argv) {
      const start = await kvStart(ctx, this, argv, (args, flags) => {
        if (flags.strings('versions').length === 0) {
          ctx.ui.error(`No versions provided, use the "-versions" flag to specify the version to ${verb}.`);
          return 1;
        }
        return checkArgCount(ctx, args, 1, 1);
      });
      if (typeof start === 'number') return start;
      const { flags, client, target } = start;
      if (!target.v2) {
        ctx.ui.error(`${verb === 'undelete' ? 'Undelete' : 'Destroy'} not supported on KV Version 1`);
        return 1;
      }
      const path = kvFullPath(target, verb);
      let secret: Secret | null;
      try {
        secret = await writeSecret(client, 'PUT', path, {
          versions: parseVersions(flags.strings('versions')),
        });
      } catch (err) {
        return writeFailure(ctx, `Error writing data to ${path}`, err);
      }
      return writeOutcome(ctx, secret, `Success! Data written to: ${path}`, '');
    },
  };
}

/** `kv undelete -versions=N PATH`. */
export const kvUndeleteCommand = versionedCommand(
  'undelete',
  'Undeletes versions in the KV store',
  `Usage: tresor kv undelete [options] KEY

  Undeletes the data for the provided version and path in the key-value store.
  This restores the data, allowing it to be returned on get requests.

      $ tresor kv undelete -mount=secret -versions=3 foo`,
);

/** `kv destroy -versions=N PATH`. */
export const kvDestroyCommand = versionedCommand(
  'destroy',
  'Permanently removes one or more versions in the KV store',
  `Usage: tresor kv destroy [options] KEY

  Permanently removes the specified versions' data from the key-value store. If
  no key exists at the path, no action is taken.

      $ tresor kv destroy -mount=secret -versions=3 foo`,
);
