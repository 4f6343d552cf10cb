/**
 * `secrets enable|disable|list|tune|move`: the secrets-engine family of the mount commands
 * (mount-family.ts), and `secrets move`.
 */
import { HTTP_FLAGS } from '../client/http-flags.js';
import * as sys from '../client/sys-api.js';
import { type Command, attempt, defineCommand, defineGroup } from '../command.js';
import {
  type MountFamily,
  mountDisableCommand,
  mountEnableCommand,
  mountListCommand,
  mountTuneCommand,
} from './mount-family.js';
import { ensureTrailingSlash, sanitizePath } from './paths.js';

/** Secrets engines: sys/mounts. */
const SECRETS: MountFamily = {
  kind: 'secrets',
  what: 'secrets engine',
  configFlags: [],
  list: sys.listMounts,
  listError: 'Error listing secrets engines',
  enable: sys.mount,
  enableError: () => 'Error enabling',
  enabled: (thing, path) => `Success! Enabled the ${thing} at: ${path}`,
  disable: sys.unmount,
  tunePath: (path) => path,
};

/** `secrets` (the group). */
export const secretsCommand: Command = defineGroup(
  'secrets',
  'Interact with secrets engines',
  `Usage: tresor secrets <subcommand> [options] [args]

  This command groups subcommands for interacting with Vault's secrets engines.
  Each secret engine behaves differently. Please see the documentation for
  more information.

      $ tresor secrets list
      $ tresor secrets enable -path=secret -version=2 kv
      $ tresor secrets disable secret/`,
);

/** `secrets enable [-path=P] [-version=2] … TYPE`. */
export const secretsEnableCommand = mountEnableCommand(
  SECRETS,
  {
    synopsis: 'Enable a secrets engine',
    help: `Usage: tresor secrets enable [options] TYPE

  Enables a secrets engine. By default, secrets engines are enabled at the path
  corresponding to their TYPE, but users can customize the path using the
  -path option.

      $ tresor secrets enable -path=secret -version=2 kv
      $ tresor secrets enable -path=transit-east transit`,
  },
  [
    {
      name: 'path',
      kind: 'string',
      usage:
        'Place where the secrets engine will be accessible. This must be unique cross all secrets engines. This defaults to the "type" of the secrets engine.',
    },
    {
      name: 'force-no-cache',
      kind: 'bool',
      usage:
        "Force the secrets engine to disable caching. If unspecified, this defaults to the Vault server's globally configured cache settings. This does not affect caching of the underlying encrypted data storage.",
    },
    {
      name: 'plugin-name',
      kind: 'string',
      usage:
        "Name of the secrets engine plugin. This plugin name must already exist in Vault's plugin catalog.",
    },
    {
      name: 'local',
      kind: 'bool',
      usage:
        'Mark the secrets engine as local-only. Local engines are not replicated or removed by replication.',
    },
    {
      name: 'seal-wrap',
      kind: 'bool',
      usage: 'Enable seal wrapping of critical values in the secrets engine.',
    },
    {
      name: 'external-entropy-access',
      kind: 'bool',
      usage: "Enable secrets engine to access Vault's external entropy source.",
    },
  ],
);

/** `secrets disable PATH`. */
export const secretsDisableCommand = mountDisableCommand(SECRETS, {
  synopsis: 'Disable a secret engine',
  help: `Usage: tresor secrets disable [options] PATH

  Disables a secrets engine at the given PATH. The argument corresponds to the
  enabled PATH of the engine, not the TYPE! All secrets created by this engine
  are revoked and its Vault data is removed.

      $ tresor secrets disable aws/`,
});

/** `secrets list [-detailed]`. */
export const secretsListCommand = mountListCommand(SECRETS, {
  synopsis: 'List enabled secrets engines',
  help: `Usage: tresor secrets list [options]

  Lists the enabled secret engines on the Vault server. This command also outputs
  information about the enabled path including configured TTLs and human-friendly
  descriptions. A TTL of "system" indicates that the system default is in use.

      $ tresor secrets list -detailed`,
});

/** `secrets tune [-default-lease-ttl=D] … PATH`. */
export const secretsTuneCommand = mountTuneCommand(SECRETS, {
  synopsis: 'Tune a secrets engine configuration',
  help: `Usage: tresor secrets tune [options] PATH

  Tunes the configuration options for the secrets engine at the given PATH.
  The argument corresponds to the PATH where the secrets engine is enabled,
  not the TYPE!

      $ tresor secrets tune -max-lease-ttl=24h secret/`,
});

/** `secrets move SOURCE DESTINATION`. */
export const secretsMoveCommand = defineCommand({
  name: 'secrets move',
  synopsis: 'Move a secrets engine to a new path',
  help: `Usage: tresor secrets move [options] SOURCE DESTINATION

  Moves an existing secrets engine to a new path. Any leases from the old
  secrets engine are revoked, but all configuration associated with the engine
  is preserved.

      $ tresor secrets move secret/ generic/`,
  flags: [HTTP_FLAGS],
  args: [2, 2],
  async run({ ui, args, client }) {
    const api = client();
    const source = ensureTrailingSlash(sanitizePath(args[0] ?? ''));
    const destination = ensureTrailingSlash(sanitizePath(args[1] ?? ''));
    const migrationId = await attempt(`Error moving secrets engine ${source} to ${destination}`, () =>
      sys.remount(api, source, destination),
    );
    ui.output(
      migrationId === ''
        ? `Success! Moved secrets engine ${source} to: ${destination}`
        : `Success! Started moving secrets engine ${source} to ${destination}, with migration ID ${migrationId}`,
    );
    return 0;
  },
});
