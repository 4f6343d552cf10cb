/**
 * The generic commands: `read`, `write`, `list`, `delete` on any path, and `unwrap`.
 */
import {
  type Command,
  type CommandContext,
  HTTP_FLAGS,
  checkArgCount,
  clientOrExit,
  ensureTrailingSlash,
  outputFlags,
  parseCommandArgs,
  sanitizePath,
  stdinReader,
} from './command.js';
import { RawBody, outputData, outputList, outputSecret, printRawField } from './format.js';
import { parseArgsData, parseArgsDataStringLists } from './kv-args.js';
import { type Secret, SecretResponseError, readSecret, writeSecret } from './secret.js';
import { responseError } from './api-client.js';

/** vault's extractListData: the `keys` list of a list response, if any. */
export function listKeys(secret: Secret | null): unknown[] | undefined {
  const keys = secret?.data?.keys;
  return Array.isArray(keys) ? (keys as unknown[]) : undefined;
}

/** Prints the outcome of a write or delete as vault's write/delete commands do. */
export function writeOutcome(
  ctx: CommandContext,
  secret: Secret | null,
  success: string,
  field: string,
): number {
  if (secret === null) {
    if (ctx.ui.format === 'table') ctx.ui.info(success);
    return 0;
  }
  if (field !== '') return printRawField(ctx.ui, secret, field);
  return outputSecret(ctx.ui, secret);
}

/** Prints a failed write: the error, then any secret the 404 carried; exit 2. */
export function writeFailure(ctx: CommandContext, prefix: string, err: unknown): number {
  ctx.ui.error(`${prefix}: ${(err as Error).message}`);
  if (err instanceof SecretResponseError && err.secret !== null) outputSecret(ctx.ui, err.secret);
  return 2;
}

/** `read PATH [K=V...]`. */
export const readCommand: Command = {
  name: 'read',
  synopsis: 'Read data and retrieves secrets',
  help: `Usage: tresor read [options] PATH

  Reads data from Vault at the given path. This can be used to read secrets,
  generate dynamic credentials, get configuration details, and more.

      $ tresor read secret/my-secret
      $ tresor read -format=json sys/mounts`,
  flags: [HTTP_FLAGS, outputFlags({ field: true })],
  async run(ctx, argv) {
    const parsed = parseCommandArgs(ctx, this, argv, { allowRaw: true });
    if (typeof parsed === 'number') return parsed;
    const { flags, args } = parsed;
    if (args.length < 1) return checkArgCount(ctx, args, 1, 1) ?? 1;
    const client = clientOrExit(ctx, flags);
    if (typeof client === 'number') return client;
    const path = sanitizePath(args[0] ?? '');
    let query: Record<string, string[]>;
    try {
      query = await parseArgsDataStringLists(args.slice(1), stdinReader(ctx));
    } catch (err) {
      ctx.ui.error(`Failed to parse K=V data: ${(err as Error).message}`);
      return 1;
    }
    if (ctx.ui.format === 'raw') {
      const response = await client
        .rawRequest({ method: 'GET', path, query })
        .catch((err: unknown) => err as Error);
      const error =
        response instanceof Error ? response : response.status === 404 ? undefined : responseError(response);
      if (error !== undefined) {
        ctx.ui.error(`Error reading: ${path}: ${error.message}`);
        return 2;
      }
      if (response instanceof Error || response.status === 404 || response.body === '') {
        ctx.ui.error(`No value found at ${path}`);
        return 2;
      }
      return outputData(ctx.ui, new RawBody(response.body));
    }
    let secret: Secret | null;
    try {
      secret = await readSecret(client, 'GET', path, query);
    } catch (err) {
      ctx.ui.error(`Error reading ${path}: ${(err as Error).message}`);
      return 2;
    }
    if (secret === null) {
      ctx.ui.error(`No value found at ${path}`);
      return 2;
    }
    if (flags.string('field') !== '') return printRawField(ctx.ui, secret, flags.string('field'));
    return outputSecret(ctx.ui, secret);
  },
};

/** `write PATH [K=V...]`. */
export const writeCommand: Command = {
  name: 'write',
  synopsis: 'Write data, configuration, and secrets',
  help: `Usage: tresor write [options] PATH [DATA K=V...]

  Writes data to Vault at the given path. The data can be credentials, secrets,
  configuration, or arbitrary data. The specific behavior of this command is
  determined at the thing mounted at the path.

  Data is specified as "key=value" pairs. If the value begins with an "@", then
  it is loaded from a file. If the value is "-", Vault will read the value from
  stdin.

      $ tresor write secret/my-secret foo=bar
      $ tresor write auth/userpass/users/bob password=- < password.txt`,
  flags: [
    HTTP_FLAGS,
    outputFlags({ field: true }),
    {
      title: 'Command Options',
      flags: [
        {
          name: 'force',
          kind: 'bool',
          aliases: ['f'],
          usage:
            'Allow the operation to continue with no key=value pairs. This allows writing to keys that do not need or expect data.',
        },
      ],
    },
  ],
  async run(ctx, argv) {
    const parsed = parseCommandArgs(ctx, this, argv, { flagWarnings: false });
    if (typeof parsed === 'number') return parsed;
    const { flags, args } = parsed;
    if (args.length < 1) return checkArgCount(ctx, args, 1, 1) ?? 1;
    if (args.length === 1 && !flags.bool('force')) {
      ctx.ui.error('Must supply data or use -force');
      return 1;
    }
    const path = sanitizePath(args[0] ?? '');
    let data: Record<string, unknown>;
    try {
      data = await parseArgsData(args.slice(1), stdinReader(ctx));
    } catch (err) {
      ctx.ui.error(`Failed to parse K=V data: ${(err as Error).message}`);
      return 1;
    }
    const client = clientOrExit(ctx, flags);
    if (typeof client === 'number') return client;
    let secret: Secret | null;
    try {
      secret = await writeSecret(client, 'PUT', path, data);
    } catch (err) {
      return writeFailure(ctx, `Error writing data to ${path}`, err);
    }
    return writeOutcome(ctx, secret, `Success! Data written to: ${path}`, flags.string('field'));
  },
};

/** `list PATH`. */
export const listCommand: Command = {
  name: 'list',
  synopsis: 'List data or secrets',
  help: `Usage: tresor list [options] PATH

  Lists data from Vault at the given path. This can be used to list keys in a,
  given secret engine.

      $ tresor list secret/`,
  flags: [HTTP_FLAGS, outputFlags({ detailed: true })],
  async run(ctx, argv) {
    const parsed = parseCommandArgs(ctx, this, argv);
    if (typeof parsed === 'number') return parsed;
    const { flags, args } = parsed;
    const bad = checkArgCount(ctx, args, 1, 1);
    if (bad !== undefined) return bad;
    const client = clientOrExit(ctx, flags);
    if (typeof client === 'number') return client;
    const path = ensureTrailingSlash(sanitizePath(args[0] ?? ''));
    return listAndPrint(ctx, () => readSecret(client, 'LIST', path), path);
  },
};

/** The shared tail of `list` and `kv list`. */
export async function listAndPrint(
  ctx: CommandContext,
  list: () => Promise<Secret | null>,
  path: string,
): Promise<number> {
  let secret: Secret | null;
  try {
    secret = await list();
  } catch (err) {
    ctx.ui.error(`Error listing ${path}: ${(err as Error).message}`);
    return 2;
  }
  if (secret?.wrap_info !== null && secret?.wrap_info !== undefined && secret.wrap_info.ttl !== 0)
    return outputSecret(ctx.ui, secret);
  const keys = listKeys(secret);
  if (ctx.ui.format !== 'table' && (secret?.data == null || keys === undefined)) {
    outputData(ctx.ui, {});
    return 2;
  }
  if (secret === null) {
    ctx.ui.error(`No value found at ${path}`);
    return 2;
  }
  if (secret.data === null) return outputSecret(ctx.ui, secret);
  if (keys === undefined) {
    ctx.ui.error(`No entries found at ${path}`);
    return 2;
  }
  return outputList(ctx.ui, secret);
}

/** `delete PATH [K=V...]`. */
export const deleteCommand: Command = {
  name: 'delete',
  synopsis: 'Delete secrets and configuration',
  help: `Usage: tresor delete [options] PATH

  Deletes secrets and configuration from Vault at the given path. The behavior
  of "delete" is delegated to the backend corresponding to the given path.

      $ tresor delete secret/my-secret`,
  flags: [HTTP_FLAGS, outputFlags({ field: true })],
  async run(ctx, argv) {
    const parsed = parseCommandArgs(ctx, this, argv);
    if (typeof parsed === 'number') return parsed;
    const { flags, args } = parsed;
    if (args.length < 1) return checkArgCount(ctx, args, 1, 1) ?? 1;
    const client = clientOrExit(ctx, flags);
    if (typeof client === 'number') return client;
    const path = sanitizePath(args[0] ?? '');
    let query: Record<string, string[]>;
    try {
      query = await parseArgsDataStringLists(args.slice(1), stdinReader(ctx));
    } catch (err) {
      ctx.ui.error(`Failed to parse K=V data: ${(err as Error).message}`);
      return 1;
    }
    let secret: Secret | null;
    try {
      secret = await writeSecret(client, 'DELETE', path, undefined, query);
    } catch (err) {
      return writeFailure(ctx, `Error deleting ${path}`, err);
    }
    return writeOutcome(
      ctx,
      secret,
      `Success! Data deleted (if it existed) at: ${path}`,
      flags.string('field'),
    );
  },
};
