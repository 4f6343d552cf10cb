/**
 * `kv delete|undelete|destroy` (soft delete, restore and permanent removal of versions).
 */
import { HTTP_FLAGS } from '../client/http-flags.js';
import { writeSecret } from '../client/secret.js';
import { type Command, CliError, argCountProblem, defineCommand } from '../command.js';
import { MOUNT_FLAG_GROUP, kvFullPath, kvTarget, parseVersions } from './kv-target.js';
import { attemptWrite, writeOutcome } from './logical.js';

/** `kv delete [-versions=1,2] [-mount=M] PATH`. */
export const kvDeleteCommand = defineCommand({
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
  args: [1, 1],
  async run(input) {
    const { client, target } = await kvTarget(input);
    const versions = parseVersions(input.flags.strings('versions'));
    const fullPath = kvFullPath(target, 'data');
    const secret = await attemptWrite(`Error deleting ${fullPath}`, () =>
      target.v2 && versions.length > 0
        ? writeSecret(client, 'PUT', kvFullPath(target, 'delete'), { versions })
        : writeSecret(client, 'DELETE', fullPath),
    );
    return writeOutcome(input.ui, secret, `Success! Data deleted (if it existed) at: ${fullPath}`, '');
  },
});

function versionedCommand(verb: 'undelete' | 'destroy', synopsis: string, help: string): Command {
  return defineCommand({
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
    args: (args, flags) =>
      flags.strings('versions').length === 0
        ? `No versions provided, use the "-versions" flag to specify the version to ${verb}.`
        : argCountProblem(args, 1, 1),
    async run(input) {
      const { client, target } = await kvTarget(input);
      if (!target.v2) {
        throw new CliError(
          `${verb === 'undelete' ? 'Undelete' : 'Destroy'} not supported on KV Version 1`,
          1,
        );
      }
      const path = kvFullPath(target, verb);
      const secret = await attemptWrite(`Error writing data to ${path}`, () =>
        writeSecret(client, 'PUT', path, { versions: parseVersions(input.flags.strings('versions')) }),
      );
      return writeOutcome(input.ui, secret, `Success! Data written to: ${path}`, '');
    },
  });
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
