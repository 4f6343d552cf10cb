/**
 * `tresor server [-config=FILE]... | -dev [...]`: parses vault's server flags and hands over to
 * runServer, which resolves when the server has shut down.
 */
import { FlagError, type FlagValues } from '../../helper/go/flags.js';
import { attempt, defineCommand } from '../command.js';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'warning', 'err', 'error'];

/** What runServer is given. */
export type ServerOptions =
  | { configPaths: string[]; logLevel?: string }
  | { dev: { rootTokenId?: string; listenAddress?: string; noStoreToken?: boolean }; logLevel?: string };

/** Turns parsed flags into runServer options, or throws a FlagError with vault's message. */
export function serverOptions(
  flags: FlagValues,
  env: Readonly<Record<string, string | undefined>>,
): ServerOptions {
  const level = flags.isSet('log-level') ? flags.string('log-level') : (env.VAULT_LOG_LEVEL ?? '');
  const logLevel = level.trim().toLowerCase();
  if (logLevel !== '' && !LOG_LEVELS.includes(logLevel)) throw new FlagError(`unknown log level: ${level}`);
  const withLevel = logLevel === '' ? {} : { logLevel };
  if (flags.bool('dev')) {
    const rootTokenId = flags.string('dev-root-token-id');
    const listenAddress = flags.string('dev-listen-address');
    return {
      dev: {
        ...(rootTokenId === '' ? {} : { rootTokenId }),
        ...(listenAddress === '' ? {} : { listenAddress }),
        ...(flags.bool('dev-no-store-token') ? { noStoreToken: true } : {}),
      },
      ...withLevel,
    };
  }
  const configPaths = flags.strings('config');
  if (configPaths.length === 0) throw new FlagError('Must specify at least one config path using -config');
  return { configPaths, ...withLevel };
}

/** `server`. */
export const serverCommand = defineCommand({
  name: 'server',
  synopsis: 'Start a Vault server',
  help: `Usage: tresor server [options]

  This command starts a Vault server that responds to API requests. By default,
  Vault will start in a "sealed" state. The Vault cluster must be initialized
  before use, usually by the "tresor operator init" command. Each Vault server
  must also be unsealed using the "tresor operator unseal" command or the API
  before the server can respond to requests.

  Start a server with a configuration file:

      $ tresor server -config=/etc/vault/config.hcl

  Run in "dev" mode:

      $ tresor server -dev -dev-root-token-id="root"`,
  flags: [
    {
      title: 'Command Options',
      flags: [
        {
          name: 'config',
          kind: 'strings',
          usage:
            'Path to a configuration file or directory of configuration files. This flag can be specified multiple times to load multiple configurations. If the path is a directory, all files which end in .hcl or .json are loaded.',
        },
        {
          name: 'log-level',
          kind: 'string',
          usage:
            'Log verbosity level. Supported values (in order of detail) are "trace", "debug", "info", "warn", and "error". This can also be specified via the VAULT_LOG_LEVEL environment variable.',
        },
      ],
    },
    {
      title: 'Dev Options',
      flags: [
        {
          name: 'dev',
          kind: 'bool',
          usage:
            'Enable development mode. In this mode, Vault runs in-memory and starts unsealed. As the name implies, do not run "dev" mode in production.',
        },
        {
          name: 'dev-root-token-id',
          kind: 'string',
          env: 'VAULT_DEV_ROOT_TOKEN_ID',
          usage:
            'Initial root token. This only applies when running in "dev" mode. This can also be specified via the VAULT_DEV_ROOT_TOKEN_ID environment variable.',
        },
        {
          name: 'dev-listen-address',
          kind: 'string',
          env: 'VAULT_DEV_LISTEN_ADDRESS',
          usage:
            'Address to bind to in "dev" mode. This can also be specified via the VAULT_DEV_LISTEN_ADDRESS environment variable.',
        },
        {
          name: 'dev-no-store-token',
          kind: 'bool',
          usage:
            'Do not persist the dev root token to the token helper (usually the local filesystem) for use in future requests. The token will only be displayed in the command output.',
        },
      ],
    },
  ],
  args: [0, 0],
  async run({ ctx, flags }) {
    const options = serverOptions(flags, ctx.io.env);
    await attempt(
      'Error starting the server',
      async () => {
        const { runServer } = await import('../../server/run-server.js');
        await runServer(options);
      },
      1,
    );
    return 0;
  },
});
