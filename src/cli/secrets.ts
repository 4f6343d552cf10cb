/**
 * `secrets enable|disable|list|tune|move`.
 */
import {
  type Command,
  HTTP_FLAGS,
  RUN_RESULT_HELP,
  checkArgCount,
  clientOrExit,
  ensureTrailingSlash,
  outputFlags,
  parseCommandArgs,
  sanitizePath,
} from './command.js';
import { outputData } from './format.js';
import { tableOutput } from './go-text.js';
import {
  MOUNT_CONFIG_FLAGS,
  mountInput,
  mountRows,
  mountsJson,
  tuneInput,
  runDisable,
} from './mount-common.js';
import * as sys from './sys-api.js';

/** `secrets` (the group). */
export const secretsCommand: Command = {
  name: 'secrets',
  synopsis: 'Interact with secrets engines',
  help: `Usage: tresor secrets <subcommand> [options] [args]

  This command groups subcommands for interacting with Vault's secrets engines.
  Each secret engine behaves differently. Please see the documentation for
  more information.

      $ tresor secrets list
      $ tresor secrets enable -path=secret -version=2 kv
      $ tresor secrets disable secret/`,
  flags: [],
  run: () => Promise.resolve(RUN_RESULT_HELP),
};

/** `secrets enable [-path=P] [-version=2] … TYPE`. */
export const secretsEnableCommand: Command = {
  name: 'secrets enable',
  synopsis: 'Enable a secrets engine',
  help: `Usage: tresor secrets enable [options] TYPE

  Enables a secrets engine. By default, secrets engines are enabled at the path
  corresponding to their TYPE, but users can customize the path using the
  -path option.

      $ tresor secrets enable -path=secret -version=2 kv
      $ tresor secrets enable -path=transit-east transit`,
  flags: [
    HTTP_FLAGS,
    {
      title: 'Command Options',
      flags: [
        ...MOUNT_CONFIG_FLAGS,
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
    },
  ],
  async run(ctx, argv) {
    const parsed = parseCommandArgs(ctx, this, argv);
    if (typeof parsed === 'number') return parsed;
    const { flags, args } = parsed;
    const bad = checkArgCount(ctx, args, 1, 1);
    if (bad !== undefined) return bad;
    const client = clientOrExit(ctx, flags);
    if (typeof client === 'number') return client;
    let type = (args[0] ?? '').trim();
    if (type === 'plugin') type = flags.string('plugin-name');
    const path = ensureTrailingSlash(flags.string('path') !== '' ? flags.string('path') : type);
    try {
      await sys.mount(client, path, mountInput(flags, type));
    } catch (err) {
      ctx.ui.error(`Error enabling: ${(err as Error).message}`);
      return 2;
    }
    let thing = `${type} secrets engine`;
    if (flags.string('plugin-version') !== '') thing += ` version ${flags.string('plugin-version')}`;
    ctx.ui.output(`Success! Enabled the ${thing} at: ${path}`);
    return 0;
  },
};

/** `secrets disable PATH`. */
export const secretsDisableCommand: Command = {
  name: 'secrets disable',
  synopsis: 'Disable a secret engine',
  help: `Usage: tresor secrets disable [options] PATH

  Disables a secrets engine at the given PATH. The argument corresponds to the
  enabled PATH of the engine, not the TYPE! All secrets created by this engine
  are revoked and its Vault data is removed.

      $ tresor secrets disable aws/`,
  flags: [HTTP_FLAGS],
  run(ctx, argv) {
    return runDisable(ctx, this, argv, 'secrets engine', (client, path) => sys.unmount(client, path));
  },
};

/** `secrets list [-detailed]`. */
export const secretsListCommand: Command = {
  name: 'secrets list',
  synopsis: 'List enabled secrets engines',
  help: `Usage: tresor secrets list [options]

  Lists the enabled secret engines on the Vault server. This command also outputs
  information about the enabled path including configured TTLs and human-friendly
  descriptions. A TTL of "system" indicates that the system default is in use.

      $ tresor secrets list -detailed`,
  flags: [HTTP_FLAGS, outputFlags({ detailed: true })],
  async run(ctx, argv) {
    const parsed = parseCommandArgs(ctx, this, argv);
    if (typeof parsed === 'number') return parsed;
    const bad = checkArgCount(ctx, parsed.args, 0, 0);
    if (bad !== undefined) return bad;
    const client = clientOrExit(ctx, parsed.flags);
    if (typeof client === 'number') return client;
    let mounts: Record<string, unknown>;
    try {
      mounts = await sys.listMounts(client);
    } catch (err) {
      ctx.ui.error(`Error listing secrets engines: ${(err as Error).message}`);
      return 2;
    }
    if (ctx.ui.format !== 'table') return outputData(ctx.ui, mountsJson(mounts));
    const detailed = parsed.flags.bool('detailed') || ctx.ui.detailed;
    ctx.ui.output(tableOutput(mountRows(mounts, 'secrets', detailed)));
    return 0;
  },
};

/** `secrets tune [-default-lease-ttl=D] … PATH`. */
export const secretsTuneCommand: Command = {
  name: 'secrets tune',
  synopsis: 'Tune a secrets engine configuration',
  help: `Usage: tresor secrets tune [options] PATH

  Tunes the configuration options for the secrets engine at the given PATH.
  The argument corresponds to the PATH where the secrets engine is enabled,
  not the TYPE!

      $ tresor secrets tune -max-lease-ttl=24h secret/`,
  flags: [HTTP_FLAGS, { title: 'Command Options', flags: MOUNT_CONFIG_FLAGS }],
  async run(ctx, argv) {
    const parsed = parseCommandArgs(ctx, this, argv);
    if (typeof parsed === 'number') return parsed;
    const bad = checkArgCount(ctx, parsed.args, 1, 1);
    if (bad !== undefined) return bad;
    const client = clientOrExit(ctx, parsed.flags);
    if (typeof client === 'number') return client;
    const path = ensureTrailingSlash(sanitizePath(parsed.args[0] ?? ''));
    try {
      await sys.tuneMount(client, path, tuneInput(parsed.flags));
    } catch (err) {
      ctx.ui.error(`Error tuning secrets engine ${path}: ${(err as Error).message}`);
      return 2;
    }
    ctx.ui.output(`Success! Tuned the secrets engine at: ${path}`);
    return 0;
  },
};

/** `secrets move SOURCE DESTINATION`. */
export const secretsMoveCommand: Command = {
  name: 'secrets move',
  synopsis: 'Move a secrets engine to a new path',
  help: `Usage: tresor secrets move [options] SOURCE DESTINATION

  Moves an existing secrets engine to a new path. Any leases from the old
  secrets engine are revoked, but all configuration associated with the engine
  is preserved.

      $ tresor secrets move secret/ generic/`,
  flags: [HTTP_FLAGS],
  async run(ctx, argv) {
    const parsed = parseCommandArgs(ctx, this, argv);
    if (typeof parsed === 'number') return parsed;
    const bad = checkArgCount(ctx, parsed.args, 2, 2);
    if (bad !== undefined) return bad;
    const client = clientOrExit(ctx, parsed.flags);
    if (typeof client === 'number') return client;
    const source = ensureTrailingSlash(sanitizePath(parsed.args[0] ?? ''));
    const destination = ensureTrailingSlash(sanitizePath(parsed.args[1] ?? ''));
    let migrationId: string;
    try {
      migrationId = await sys.remount(client, source, destination);
    } catch (err) {
      ctx.ui.error(`Error moving secrets engine ${source} to ${destination}: ${(err as Error).message}`);
      return 2;
    }
    ctx.ui.output(
      migrationId === ''
        ? `Success! Moved secrets engine ${source} to: ${destination}`
        : `Success! Started moving secrets engine ${source} to ${destination}, with migration ID ${migrationId}`,
    );
    return 0;
  },
};
