/**
 * The generic commands: `read`, `write`, `list`, `delete` on any path, and the secret-printing
 * steps the kv commands share with them.
 */
import { responseError } from '../client/api-client.js';
import { HTTP_FLAGS } from '../client/http-flags.js';
import { type Secret, SecretResponseError, readSecret, writeSecret } from '../client/secret.js';
import { CliError, UsageError, attempt, defineCommand } from '../command.js';
import { RawBody, outputData, outputList, outputSecret, outputSecretOrField } from '../output/format.js';
import type { Ui } from '../output/io.js';
import { outputFlags } from '../output/output-flags.js';
import { type StdinReader, parseArgsData, parseArgsDataStringLists } from './kv-args.js';
import { ensureTrailingSlash, sanitizePath } from './paths.js';

/** vault's extractListData: the `keys` list of a list response, if any. */
export function listKeys(secret: Secret | null): unknown[] | undefined {
  const keys = secret?.data?.keys;
  return Array.isArray(keys) ? (keys as unknown[]) : undefined;
}

/** Prints the outcome of a write or delete as vault's write/delete commands do. */
export function writeOutcome(ui: Ui, secret: Secret | null, success: string, field: string): number {
  if (secret === null) {
    if (ui.format === 'table') ui.info(success);
    return 0;
  }
  return outputSecretOrField(ui, secret, field);
}

/**
 * A write that fails with "<prefix>: <error>" (exit 2), printing after the error any secret the
 * failing 404 carried.
 */
export async function attemptWrite<T>(prefix: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const secret = err instanceof SecretResponseError ? err.secret : null;
    throw new CliError(`${prefix}: ${(err as Error).message}`, 2, secret);
  }
}

/** `key=value` arguments as data; a bad one is a usage error. */
export function kvData(args: readonly string[], readStdin: StdinReader): Promise<Record<string, unknown>> {
  return attempt('Failed to parse K=V data', () => parseArgsData(args, readStdin), 1);
}

function queryData(args: readonly string[], readStdin: StdinReader): Promise<Record<string, string[]>> {
  return attempt('Failed to parse K=V data', () => parseArgsDataStringLists(args, readStdin), 1);
}

/** `read PATH [K=V...]`. */
export const readCommand = defineCommand({
  name: 'read',
  synopsis: 'Read data and retrieves secrets',
  help: `Usage: tresor read [options] PATH

  Reads data from Vault at the given path. This can be used to read secrets,
  generate dynamic credentials, get configuration details, and more.

      $ tresor read secret/my-secret
      $ tresor read -format=json sys/mounts`,
  flags: [HTTP_FLAGS, outputFlags({ field: true })],
  allowRaw: true,
  args: [1, Infinity, '1'],
  async run({ ui, flags, args, client, readStdin }) {
    const api = client();
    const path = sanitizePath(args[0] ?? '');
    const query = await queryData(args.slice(1), readStdin);
    if (ui.format === 'raw') {
      const response = await api
        .rawRequest({ method: 'GET', path, query })
        .catch((err: unknown) => err as Error);
      const error =
        response instanceof Error ? response : response.status === 404 ? undefined : responseError(response);
      if (error !== undefined) throw new CliError(`Error reading: ${path}: ${error.message}`);
      if (response instanceof Error || response.status === 404 || response.body === '') {
        throw new CliError(`No value found at ${path}`);
      }
      return new RawBody(response.body);
    }
    const secret = await attempt(`Error reading ${path}`, () => readSecret(api, 'GET', path, query));
    if (secret === null) throw new CliError(`No value found at ${path}`);
    return outputSecretOrField(ui, secret, flags.string('field'));
  },
});

/** `write PATH [K=V...]`. */
export const writeCommand = defineCommand({
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
  flagWarnings: false,
  args: [1, Infinity, '1'],
  async run({ ui, flags, args, client, readStdin }) {
    if (args.length === 1 && !flags.bool('force')) throw new UsageError('Must supply data or use -force');
    const path = sanitizePath(args[0] ?? '');
    const data = await kvData(args.slice(1), readStdin);
    const api = client();
    const secret = await attemptWrite(`Error writing data to ${path}`, () =>
      writeSecret(api, 'PUT', path, data),
    );
    return writeOutcome(ui, secret, `Success! Data written to: ${path}`, flags.string('field'));
  },
});

/** `list PATH`. */
export const listCommand = defineCommand({
  name: 'list',
  synopsis: 'List data or secrets',
  help: `Usage: tresor list [options] PATH

  Lists data from Vault at the given path. This can be used to list keys in a,
  given secret engine.

      $ tresor list secret/`,
  flags: [HTTP_FLAGS, outputFlags({ detailed: true })],
  args: [1, 1],
  async run({ ui, args, client }) {
    const api = client();
    const path = ensureTrailingSlash(sanitizePath(args[0] ?? ''));
    return listAndPrint(ui, () => readSecret(api, 'LIST', path), path);
  },
});

/** The shared tail of `list` and `kv list`. */
export async function listAndPrint(
  ui: Ui,
  list: () => Promise<Secret | null>,
  path: string,
): Promise<number> {
  const secret = await attempt(`Error listing ${path}`, list);
  if (secret?.wrap_info !== null && secret?.wrap_info !== undefined && secret.wrap_info.ttl !== 0)
    return outputSecret(ui, secret);
  const keys = listKeys(secret);
  if (ui.format !== 'table' && (secret?.data == null || keys === undefined)) {
    outputData(ui, {});
    return 2;
  }
  if (secret === null) throw new CliError(`No value found at ${path}`);
  if (secret.data === null) return outputSecret(ui, secret);
  if (keys === undefined) throw new CliError(`No entries found at ${path}`);
  return outputList(ui, secret);
}

/** `delete PATH [K=V...]`. */
export const deleteCommand = defineCommand({
  name: 'delete',
  synopsis: 'Delete secrets and configuration',
  help: `Usage: tresor delete [options] PATH

  Deletes secrets and configuration from Vault at the given path. The behavior
  of "delete" is delegated to the backend corresponding to the given path.

      $ tresor delete secret/my-secret`,
  flags: [HTTP_FLAGS, outputFlags({ field: true })],
  args: [1, Infinity, '1'],
  async run({ ui, flags, args, client, readStdin }) {
    const api = client();
    const path = sanitizePath(args[0] ?? '');
    const query = await queryData(args.slice(1), readStdin);
    const secret = await attemptWrite(`Error deleting ${path}`, () =>
      writeSecret(api, 'DELETE', path, undefined, query),
    );
    return writeOutcome(
      ui,
      secret,
      `Success! Data deleted (if it existed) at: ${path}`,
      flags.string('field'),
    );
  },
});
