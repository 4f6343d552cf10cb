/**
 * `auth enable|disable|list|tune`.
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
  runDisable,
  tuneInput,
} from './mount-common.js';
import * as sys from './sys-api.js';

const TOKEN_TYPE_FLAG = {
  name: 'token-type',
  kind: 'string',
  usage: 'Sets a forced token type for the mount.',
} as const;

/** `auth` (the group). */
export const authCommand: Command = {
  name: 'auth',
  synopsis: 'Interact with auth methods',
  help: `Usage: tresor auth <subcommand> [options] [args]

  This command groups subcommands for interacting with Vault's auth methods.
  Users can list, enable, disable, and get help for different auth methods.

  To authenticate to Vault as a user or machine, use the "tresor login" command
  instead.

      $ tresor auth list
      $ tresor auth enable userpass`,
  flags: [],
  run: () => Promise.resolve(RUN_RESULT_HELP),
};

/** `auth enable [-path=P] … TYPE`. */
export const authEnableCommand: Command = {
  name: 'auth enable',
  synopsis: 'Enables a new auth method',
  help: `Usage: tresor auth enable [options] TYPE

  Enables a new auth method. An auth method is responsible for authenticating
  users or machines and assigning them policies with which they can access
  Vault.

      $ tresor auth enable userpass
      $ tresor auth enable -path=prod-approle approle`,
  flags: [
    HTTP_FLAGS,
    {
      title: 'Command Options',
      flags: [
        ...MOUNT_CONFIG_FLAGS,
        TOKEN_TYPE_FLAG,
        {
          name: 'path',
          kind: 'string',
          usage:
            'Place where the auth method will be accessible. This must be unique across all auth methods. This defaults to the "type" of the auth method. The auth method will be accessible at "/auth/<path>".',
        },
        {
          name: 'plugin-name',
          kind: 'string',
          usage:
            "Name of the auth method plugin. This plugin name must already exist in the Vault server's plugin catalog.",
        },
        {
          name: 'local',
          kind: 'bool',
          usage:
            'Mark the auth method as local-only. Local auth methods are not replicated nor removed by replication.',
        },
        {
          name: 'seal-wrap',
          kind: 'bool',
          usage: 'Enable seal wrapping of critical values in the secrets engine.',
        },
        {
          name: 'external-entropy-access',
          kind: 'bool',
          hidden: true,
          usage: "Enable auth method to access Vault's external entropy source.",
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
      await sys.enableAuth(client, path, mountInput(flags, type));
    } catch (err) {
      ctx.ui.error(`Error enabling ${type} auth: ${(err as Error).message}`);
      return 2;
    }
    let thing = `${type} auth method`;
    if (flags.string('plugin-version') !== '') thing += ` version ${flags.string('plugin-version')}`;
    ctx.ui.output(`Success! Enabled ${thing} at: ${path}`);
    return 0;
  },
};

/** `auth disable PATH`. */
export const authDisableCommand: Command = {
  name: 'auth disable',
  synopsis: 'Disables an auth method',
  help: `Usage: tresor auth disable [options] PATH

  Disables an existing auth method at the given PATH. The argument corresponds
  to the PATH of the mount, not the TYPE!. Once the auth method is disabled its
  path can no longer be used to authenticate.

      $ tresor auth disable userpass/`,
  flags: [HTTP_FLAGS],
  run(ctx, argv) {
    return runDisable(ctx, this, argv, 'auth method', (client, path) => sys.disableAuth(client, path));
  },
};

/** `auth list [-detailed]`. */
export const authListCommand: Command = {
  name: 'auth list',
  synopsis: 'Lists enabled auth methods',
  help: `Usage: tresor auth list [options]

  Lists the enabled auth methods on the Vault server. This command also outputs
  information about the method including configuration and human-friendly
  descriptions. A TTL of "system" indicates that the system default is in use.

      $ tresor auth list -detailed`,
  flags: [HTTP_FLAGS, outputFlags({ detailed: true })],
  async run(ctx, argv) {
    const parsed = parseCommandArgs(ctx, this, argv);
    if (typeof parsed === 'number') return parsed;
    const bad = checkArgCount(ctx, parsed.args, 0, 0);
    if (bad !== undefined) return bad;
    const client = clientOrExit(ctx, parsed.flags);
    if (typeof client === 'number') return client;
    let auths: Record<string, unknown>;
    try {
      auths = await sys.listAuth(client);
    } catch (err) {
      ctx.ui.error(`Error listing enabled authentications: ${(err as Error).message}`);
      return 2;
    }
    if (ctx.ui.format !== 'table') return outputData(ctx.ui, mountsJson(auths));
    const detailed = parsed.flags.bool('detailed') || ctx.ui.detailed;
    ctx.ui.output(tableOutput(mountRows(auths, 'auth', detailed)));
    return 0;
  },
};

/** `auth tune [-default-lease-ttl=D] … PATH`. */
export const authTuneCommand: Command = {
  name: 'auth tune',
  synopsis: 'Tunes an auth method configuration',
  help: `Usage: tresor auth tune [options] PATH

  Tunes the configuration options for the auth method at the given PATH. The
  argument corresponds to the PATH where the auth method is enabled, not the
  TYPE!

      $ tresor auth tune -default-lease-ttl=72h github/`,
  flags: [HTTP_FLAGS, { title: 'Command Options', flags: [...MOUNT_CONFIG_FLAGS, TOKEN_TYPE_FLAG] }],
  async run(ctx, argv) {
    const parsed = parseCommandArgs(ctx, this, argv);
    if (typeof parsed === 'number') return parsed;
    const bad = checkArgCount(ctx, parsed.args, 1, 1);
    if (bad !== undefined) return bad;
    const client = clientOrExit(ctx, parsed.flags);
    if (typeof client === 'number') return client;
    const path = ensureTrailingSlash(sanitizePath(parsed.args[0] ?? ''));
    try {
      await sys.tuneMount(client, `auth/${path}`, tuneInput(parsed.flags));
    } catch (err) {
      ctx.ui.error(`Error tuning auth method ${path}: ${(err as Error).message}`);
      return 2;
    }
    ctx.ui.output(`Success! Tuned the auth method at: ${path}`);
    return 0;
  },
};
