/**
 * What every command shares: its shape, the HTTP and output flag groups, flag parsing with
 * vault's messages, building an API client (token from VAULT_TOKEN or the token helper), and
 * vault's path helpers.
 */
import { ApiClient } from './api-client.js';
import { type ClientOverrides, ClientConfigError, readClientConfig } from './client-config.js';
import {
  type FlagGroup,
  type FlagSpec,
  type FlagValues,
  FlagError,
  parseFlags,
  trailingFlagWarning,
} from './flags.js';
import { goDuration } from './go-text.js';
import { type CliIo, type Ui, readAll } from './io.js';
import { type TokenHelper, defaultTokenHelper } from './token-helper.js';

/** The name the CLI goes by in messages and help. */
export const PROGRAM = 'tresor';

/** Returned by a command's run to have its help printed (exit code 1), as mitchellh/cli does. */
export const RUN_RESULT_HELP = -18511;

/** What a command runs with. */
export interface CommandContext {
  readonly io: CliIo;
  readonly ui: Ui;
  /** Overridable for tests; defaults to the user's configured helper. */
  readonly tokenHelper?: () => TokenHelper;
}

/** One command (or command group) of the CLI. */
export interface Command {
  /** Full name, words separated by spaces: "operator init". */
  readonly name: string;
  readonly synopsis: string;
  /** The usage and description, without the flags (they are appended from `flags`). */
  readonly help: string;
  readonly flags: readonly FlagGroup[];
  run(ctx: CommandContext, args: readonly string[]): Promise<number>;
}

/** Vault's HTTP Options. */
export const HTTP_FLAGS: FlagGroup = {
  title: 'HTTP Options',
  flags: [
    {
      name: 'address',
      kind: 'string',
      usage:
        'Address of the Vault server. The default is https://127.0.0.1:8200. This can also be specified via the VAULT_ADDR environment variable.',
    },
    {
      name: 'agent-address',
      kind: 'string',
      usage:
        'Address of the Agent. This can also be specified via the VAULT_AGENT_ADDR environment variable.',
    },
    {
      name: 'ca-cert',
      kind: 'string',
      usage:
        "Path on the local disk to a single PEM-encoded CA certificate to verify the Vault server's SSL certificate. This takes precedence over -ca-path. This can also be specified via the VAULT_CACERT environment variable.",
    },
    {
      name: 'ca-path',
      kind: 'string',
      usage:
        "Path on the local disk to a directory of PEM-encoded CA certificates to verify the Vault server's SSL certificate. This can also be specified via the VAULT_CAPATH environment variable.",
    },
    {
      name: 'client-cert',
      kind: 'string',
      usage:
        'Path on the local disk to a single PEM-encoded CA certificate to use for TLS authentication to the Vault server. If this flag is specified, -client-key is also required. This can also be specified via the VAULT_CLIENT_CERT environment variable.',
    },
    {
      name: 'client-key',
      kind: 'string',
      usage:
        'Path on the local disk to a single PEM-encoded private key matching the client certificate from -client-cert. This can also be specified via the VAULT_CLIENT_KEY environment variable.',
    },
    {
      name: 'namespace',
      kind: 'string',
      aliases: ['ns'],
      usage:
        'The namespace to use for the command. Setting this is not necessary but allows using relative paths. -ns can be used as shortcut. This can also be specified via the VAULT_NAMESPACE environment variable.',
    },
    {
      name: 'disable-redirects',
      kind: 'bool',
      usage:
        'Disable the default client behavior, which honors a single redirect response from a request. This can also be specified via the VAULT_DISABLE_REDIRECTS environment variable.',
    },
    {
      name: 'header',
      kind: 'map',
      usage:
        "Key-value pair provided as key=value to provide http header added to any request done by the CLI. Trying to add headers starting with 'X-Vault-' is forbidden and will make the command fail. This can be specified multiple times.",
    },
    {
      name: 'non-interactive',
      kind: 'bool',
      usage: 'When set true, prevents asking the user for input via the terminal.',
    },
    {
      name: 'tls-server-name',
      kind: 'string',
      usage:
        'Name to use as the SNI host when connecting to the Vault server via TLS. This can also be specified via the VAULT_TLS_SERVER_NAME environment variable.',
    },
    {
      name: 'tls-skip-verify',
      kind: 'bool',
      usage:
        'Disable verification of TLS certificates. Using this option is highly discouraged as it decreases the security of data transmissions to and from the Vault server. This can also be specified via the VAULT_SKIP_VERIFY environment variable.',
    },
    {
      name: 'wrap-ttl',
      kind: 'duration',
      usage:
        'Wraps the response in a cubbyhole token with the requested TTL. The response is available via the "vault unwrap" command. The TTL is specified as a numeric string with suffix like "30s" or "5m". This can also be specified via the VAULT_WRAP_TTL environment variable.',
    },
  ],
};

const FORMAT_FLAG: FlagSpec = {
  name: 'format',
  kind: 'string',
  default: 'table',
  usage:
    'Print the output in the given format. Valid formats are "table" or "json". This can also be specified via the VAULT_FORMAT environment variable.',
};

const FIELD_FLAG: FlagSpec = {
  name: 'field',
  kind: 'string',
  usage:
    'Print only the field with the given name. Specifying this option will take precedence over other formatting directives. The result will not have a trailing newline making it ideal for piping to other processes.',
};

const DETAILED_FLAG: FlagSpec = {
  name: 'detailed',
  kind: 'bool',
  usage: 'Enables additional metadata during some operations.',
};

/** Vault's Output Options: -format, plus -field and/or -detailed where the command has them. */
export function outputFlags(opts: { field?: boolean; detailed?: boolean } = {}): FlagGroup {
  const flags = [FORMAT_FLAG];
  if (opts.field === true) flags.push(FIELD_FLAG);
  if (opts.detailed === true) flags.push(DETAILED_FLAG);
  return { title: 'Output Options', flags };
}

/** Options for parsing a command's arguments. */
export interface ParseOptions {
  /** Print vault's warning about flags found after positional arguments (default true). */
  readonly flagWarnings?: boolean;
  /** Whether -format=raw is allowed (only `read`). */
  readonly allowRaw?: boolean;
}

/** Parses a command's flags; prints the error and returns exit code 1 when they are wrong. */
export function parseCommandArgs(
  ctx: CommandContext,
  cmd: Command,
  argv: readonly string[],
  opts: ParseOptions = {},
): { flags: FlagValues; args: string[] } | number {
  let parsed;
  try {
    parsed = parseFlags(cmd.flags, argv, ctx.io.env);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    ctx.ui.error(err.message);
    return 1;
  }
  if (opts.flagWarnings !== false && ctx.ui.format === 'table') {
    const warning = trailingFlagWarning(parsed.args);
    if (warning !== '') ctx.ui.warn(warning);
  }
  if (ctx.ui.format === 'raw' && opts.allowRaw !== true) {
    ctx.ui.error('This command does not support the -format=raw option.');
    return 1;
  }
  return parsed;
}

/** The user's token helper. */
export function tokenHelperOf(ctx: CommandContext): TokenHelper {
  return ctx.tokenHelper !== undefined ? ctx.tokenHelper() : defaultTokenHelper(ctx.io.env);
}

/** vault's BaseCommand.Client(): configuration from env and HTTP flags, token from env or helper. */
export function newClient(ctx: CommandContext, flags: FlagValues): ApiClient {
  const headers = flags.map('header');
  const forbidden = Object.keys(headers).filter((h) => h.startsWith('X-Vault-'));
  if (forbidden.length > 0) {
    throw new ClientConfigError(
      `failed to setup Headers[${forbidden.join(', ')}]: Header starting by 'X-Vault-' are for internal usage only`,
    );
  }
  const namespace = flags.string('namespace');
  const overrides: ClientOverrides = {
    address: flags.string('address'),
    agentAddress: flags.string('agent-address'),
    tls: {
      caCert: flags.string('ca-cert'),
      caPath: flags.string('ca-path'),
      clientCert: flags.string('client-cert'),
      clientKey: flags.string('client-key'),
      serverName: flags.string('tls-server-name'),
      skipVerify: flags.bool('tls-skip-verify'),
    },
    namespace: namespace === '' ? '' : `${namespace.replace(/^\/+|\/+$/g, '')}/`,
    wrapTtl:
      flags.isSet('wrap-ttl') && flags.duration('wrap-ttl') !== 0
        ? goDuration(flags.duration('wrap-ttl'))
        : '',
    headers,
    disableRedirects: flags.bool('disable-redirects'),
  };
  const config = readClientConfig(ctx.io.env, overrides);
  let token = ctx.io.env.VAULT_TOKEN ?? '';
  if (token === '') {
    let helper: TokenHelper;
    try {
      helper = tokenHelperOf(ctx);
    } catch (err) {
      throw new ClientConfigError(`failed to get token helper: ${(err as Error).message}`);
    }
    try {
      token = helper.get();
    } catch (err) {
      throw new ClientConfigError(`failed to get token from token helper: ${(err as Error).message}`);
    }
  }
  return new ApiClient(config, token);
}

/** Builds the client, printing the error and returning `failCode` when that fails. */
export function clientOrExit(ctx: CommandContext, flags: FlagValues, failCode = 2): ApiClient | number {
  try {
    return newClient(ctx, flags);
  } catch (err) {
    ctx.ui.error((err as Error).message);
    return failCode;
  }
}

/** Reads stdin once (for `-` arguments). */
export function stdinReader(ctx: CommandContext): () => Promise<string> {
  return () => readAll(ctx.io.stdin);
}

/** vault's sanitizePath: no surrounding spaces or slashes. */
export function sanitizePath(path: string): string {
  return path.trim().replace(/^\/+/, '').replace(/\/+$/, '');
}

/** vault's ensureTrailingSlash. */
export function ensureTrailingSlash(path: string): string {
  const p = path.trim();
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

/** vault's "Too many arguments"/"Not enough arguments" check; prints and returns 1 on a mismatch. */
export function checkArgCount(
  ctx: CommandContext,
  args: readonly string[],
  min: number,
  max: number,
  expected?: string,
): number | undefined {
  const want = expected ?? (min === max ? String(min) : `${min}-${max}`);
  if (args.length < min) {
    ctx.ui.error(`Not enough arguments (expected ${want}, got ${args.length})`);
    return 1;
  }
  if (args.length > max) {
    ctx.ui.error(`Too many arguments (expected ${want}, got ${args.length})`);
    return 1;
  }
  return undefined;
}
