/**
 * `auth enable|disable|list|tune`: the auth-method family of the mount commands (mount-family.ts).
 */
import * as sys from '../client/sys-api.js';
import { type Command, defineGroup } from '../command.js';
import {
  type MountFamily,
  mountDisableCommand,
  mountEnableCommand,
  mountListCommand,
  mountTuneCommand,
} from './mount-family.js';

/** Auth methods: sys/auth, and `auth/<path>` for tuning. */
const AUTH: MountFamily = {
  kind: 'auth',
  what: 'auth method',
  configFlags: [{ name: 'token-type', kind: 'string', usage: 'Sets a forced token type for the mount.' }],
  list: sys.listAuth,
  listError: 'Error listing enabled authentications',
  enable: sys.enableAuth,
  enableError: (type) => `Error enabling ${type} auth`,
  enabled: (thing, path) => `Success! Enabled ${thing} at: ${path}`,
  disable: sys.disableAuth,
  tunePath: (path) => `auth/${path}`,
};

/** `auth` (the group). */
export const authCommand: Command = defineGroup(
  'auth',
  'Interact with auth methods',
  `Usage: tresor auth <subcommand> [options] [args]

  This command groups subcommands for interacting with Vault's auth methods.
  Users can list, enable, disable, and get help for different auth methods.

  To authenticate to Vault as a user or machine, use the "tresor login" command
  instead.

      $ tresor auth list
      $ tresor auth enable userpass`,
);

/** `auth enable [-path=P] … TYPE`. */
export const authEnableCommand = mountEnableCommand(
  AUTH,
  {
    synopsis: 'Enables a new auth method',
    help: `Usage: tresor auth enable [options] TYPE

  Enables a new auth method. An auth method is responsible for authenticating
  users or machines and assigning them policies with which they can access
  Vault.

      $ tresor auth enable userpass
      $ tresor auth enable -path=prod-approle approle`,
  },
  [
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
);

/** `auth disable PATH`. */
export const authDisableCommand = mountDisableCommand(AUTH, {
  synopsis: 'Disables an auth method',
  help: `Usage: tresor auth disable [options] PATH

  Disables an existing auth method at the given PATH. The argument corresponds
  to the PATH of the mount, not the TYPE!. Once the auth method is disabled its
  path can no longer be used to authenticate.

      $ tresor auth disable userpass/`,
});

/** `auth list [-detailed]`. */
export const authListCommand = mountListCommand(AUTH, {
  synopsis: 'Lists enabled auth methods',
  help: `Usage: tresor auth list [options]

  Lists the enabled auth methods on the Vault server. This command also outputs
  information about the method including configuration and human-friendly
  descriptions. A TTL of "system" indicates that the system default is in use.

      $ tresor auth list -detailed`,
});

/** `auth tune [-default-lease-ttl=D] … PATH`. */
export const authTuneCommand = mountTuneCommand(AUTH, {
  synopsis: 'Tunes an auth method configuration',
  help: `Usage: tresor auth tune [options] PATH

  Tunes the configuration options for the auth method at the given PATH. The
  argument corresponds to the PATH where the auth method is enabled, not the
  TYPE!

      $ tresor auth tune -default-lease-ttl=72h github/`,
});
