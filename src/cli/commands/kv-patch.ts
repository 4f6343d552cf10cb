/**
 * `kv patch`: an HTTP PATCH (JSON merge patch) on KV v2, falling back to read-then-write with
 * check-and-set when the server or the policy does not allow PATCH, as the vault CLI does.
 */
import type { ApiClient } from '../client/api-client.js';
import { ResponseError } from '../client/api-client.js';
import { HTTP_FLAGS } from '../client/http-flags.js';
import { type Secret, isObject, readSecret, writeSecret } from '../client/secret.js';
import { CliError, attempt, defineCommand } from '../command.js';
import type { Ui } from '../output/io.js';
import { outputFlags } from '../output/output-flags.js';
import { needData, printWriteMetadata } from './kv.js';
import { MOUNT_FLAG_GROUP, kvFullPath, kvTarget } from './kv-target.js';
import { kvData } from './logical.js';

/** The written secret; "Success!" is printed when the server sent none. */
function written(ui: Ui, secret: Secret | null, path: string): Secret | null {
  if (secret === null && ui.format === 'table') ui.info(`Success! Data written to: ${path}`);
  return secret;
}

async function readThenWrite(
  ui: Ui,
  client: ApiClient,
  path: string,
  newData: Record<string, unknown>,
): Promise<Secret | null> {
  const secret = await attempt(`Error doing pre-read at ${path}`, () => readSecret(client, 'GET', path));
  if (secret?.data == null) throw new CliError(`No value found at ${path}`);
  const meta = secret.data.metadata;
  if (!isObject(meta)) throw new CliError(`No metadata found at ${path}; patch only works on existing data`);
  const data = secret.data.data;
  if (!isObject(data)) throw new CliError(`No data found at ${path}; patch only works on existing data`);
  const result = await attempt(`Error writing data to ${path}`, () =>
    writeSecret(client, 'PUT', path, { data: { ...data, ...newData }, options: { cas: meta.version } }),
  );
  return written(ui, result, path);
}

async function mergePatch(
  ui: Ui,
  client: ApiClient,
  path: string,
  newData: Record<string, unknown>,
  cas: number,
  fallback: boolean,
): Promise<Secret | null> {
  const options: Record<string, unknown> = {};
  if (cas > -1) options.cas = cas;
  let secret: Secret | null;
  try {
    secret = await writeSecret(client, 'PATCH', path, { data: newData, options });
  } catch (err) {
    if (err instanceof ResponseError && fallback && err.status === 405)
      return readThenWrite(ui, client, path, newData);
    if (err instanceof ResponseError && fallback && err.status === 403) {
      ui.warn(
        `Data was written to ${path} but we recommend that you add the "patch" capability to your ACL policy in order to use HTTP PATCH in the future.`,
      );
      return readThenWrite(ui, client, path, newData);
    }
    throw new CliError(`Error writing data to ${path}: ${(err as Error).message}`);
  }
  return written(ui, secret, path);
}

/** `kv patch [-method=patch|rw] [-cas=N] [-remove-data=K] PATH K=V...`. */
export const kvPatchCommand = defineCommand({
  name: 'kv patch',
  synopsis: 'Sets or updates data in the KV store without overwriting',
  help: `Usage: tresor kv patch [options] KEY [DATA]

  *NOTE*: This is only supported for KV v2 engine mounts.

  Writes the data to the corresponding path in the key-value store. The data can
  be of any type. Unlike "kv put", existing keys not named are kept.

      $ tresor kv patch -mount=secret foo bar=baz
      $ tresor kv patch -mount=secret -method=rw foo bar=baz
      $ tresor kv patch -mount=secret -remove-data=bar foo`,
  flags: [
    HTTP_FLAGS,
    outputFlags({ field: true }),
    {
      title: 'Common Options',
      flags: [
        ...MOUNT_FLAG_GROUP.flags,
        {
          name: 'cas',
          kind: 'int',
          default: -1,
          usage:
            "Specifies to use a Check-And-Set operation. If set to 0 or not set, the patch will be allowed. If the index is non-zero the patch will only be allowed if the key's current version matches the version specified in the cas parameter.",
        },
        {
          name: 'method',
          kind: 'string',
          usage:
            'Specifies which method of patching to use. If set to "patch", then an HTTP PATCH request will be issued. If set to "rw", then a read will be performed, then a local update, followed by a remote update.',
        },
        {
          name: 'remove-data',
          kind: 'strings',
          usage: 'Key to remove from data. To specify multiple values, specify this flag multiple times.',
        },
      ],
    },
  ],
  flagWarnings: false,
  args: (args, flags) => needData(args, flags.strings('remove-data').length),
  async run(input) {
    const { ui, flags, args, readStdin } = input;
    const { client, target } = await kvTarget(input);
    const newData = await kvData(args.slice(1), readStdin);
    for (const key of flags.strings('remove-data')) newData[key] = null;
    if (!target.v2) throw new CliError('K/V engine mount must be version 2 for patch support');
    const fullPath = kvFullPath(target, 'data');
    const method = flags.string('method');
    let secret: Secret | null;
    if (method === 'rw') secret = await readThenWrite(ui, client, fullPath, newData);
    else if (method === 'patch' || method === '')
      secret = await mergePatch(ui, client, fullPath, newData, flags.int('cas'), method === '');
    else throw new CliError(`Unsupported method provided to -method flag: ${method}`);
    if (secret === null) return 0;
    return printWriteMetadata(input.ctx, secret, fullPath, flags.string('field'));
  },
});
