/**
 * `kv patch`: an HTTP PATCH (JSON merge patch) on KV v2, falling back to read-then-write with
 * check-and-set when the server or the policy does not allow PATCH, as the vault CLI does.
 */
import type { ApiClient } from './api-client.js';
import { ResponseError } from './api-client.js';
import { type Command, type CommandContext, HTTP_FLAGS, outputFlags, stdinReader } from './command.js';
import { MOUNT_FLAG_GROUP, kvFullPath } from './kv-common.js';
import { parseArgsData } from './kv-args.js';
import { kvStart, printWriteMetadata } from './kv.js';
import { type Secret, isObject, readSecret, writeSecret } from './secret.js';

interface Outcome {
  secret: Secret | null;
  code: number;
}

async function readThenWrite(
  ctx: CommandContext,
  client: ApiClient,
  path: string,
  newData: Record<string, unknown>,
): Promise<Outcome> {
  let secret: Secret | null;
  try {
    secret = await readSecret(client, 'GET', path);
  } catch (err) {
    ctx.ui.error(`Error doing pre-read at ${path}: ${(err as Error).message}`);
    return { secret: null, code: 2 };
  }
  if (secret?.data == null) {
    ctx.ui.error(`No value found at ${path}`);
    return { secret: null, code: 2 };
  }
  const meta = secret.data.metadata;
  if (!isObject(meta)) {
    ctx.ui.error(`No metadata found at ${path}; patch only works on existing data`);
    return { secret: null, code: 2 };
  }
  const data = secret.data.data;
  if (!isObject(data)) {
    ctx.ui.error(`No data found at ${path}; patch only works on existing data`);
    return { secret: null, code: 2 };
  }
  try {
    const written = await writeSecret(client, 'PUT', path, {
      data: { ...data, ...newData },
      options: { cas: meta.version },
    });
    if (written === null && ctx.ui.format === 'table') ctx.ui.info(`Success! Data written to: ${path}`);
    return { secret: written, code: 0 };
  } catch (err) {
    ctx.ui.error(`Error writing data to ${path}: ${(err as Error).message}`);
    return { secret: null, code: 2 };
  }
}

async function mergePatch(
  ctx: CommandContext,
  client: ApiClient,
  path: string,
  newData: Record<string, unknown>,
  cas: number,
  fallback: boolean,
): Promise<Outcome> {
  const options: Record<string, unknown> = {};
  if (cas > -1) options.cas = cas;
  try {
    const secret = await writeSecret(client, 'PATCH', path, { data: newData, options });
    if (secret === null && ctx.ui.format === 'table') ctx.ui.info(`Success! Data written to: ${path}`);
    return { secret, code: 0 };
  } catch (err) {
    if (err instanceof ResponseError && fallback && err.status === 405)
      return readThenWrite(ctx, client, path, newData);
    if (err instanceof ResponseError && fallback && err.status === 403) {
      ctx.ui.warn(
        `Data was written to ${path} but we recommend that you add the "patch" capability to your ACL policy in order to use HTTP PATCH in the future.`,
      );
      return readThenWrite(ctx, client, path, newData);
    }
    ctx.ui.error(`Error writing data to ${path}: ${(err as Error).message}`);
    return { secret: null, code: 2 };
  }
}

/** `kv patch [-method=patch|rw] [-cas=N] [-remove-data=K] PATH K=V...`. */
export const kvPatchCommand: Command = {
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
  async run(ctx, argv) {
    const start = await kvStart(
      ctx,
      this,
      argv,
      (args, flags) => {
        if (args.length < 1) {
          ctx.ui.error(`Not enough arguments (expected >1, got ${args.length})`);
          return 1;
        }
        if (args.length === 1 && flags.strings('remove-data').length === 0) {
          ctx.ui.error('Must supply data');
          return 1;
        }
        return undefined;
      },
      { flagWarnings: false },
    );
    if (typeof start === 'number') return start;
    const { flags, args, client, target } = start;
    let newData: Record<string, unknown>;
    try {
      newData = await parseArgsData(args.slice(1), stdinReader(ctx));
    } catch (err) {
      ctx.ui.error(`Failed to parse K=V data: ${(err as Error).message}`);
      return 1;
    }
    for (const key of flags.strings('remove-data')) newData[key] = null;
    if (!target.v2) {
      ctx.ui.error('K/V engine mount must be version 2 for patch support');
      return 2;
    }
    const fullPath = kvFullPath(target, 'data');
    const method = flags.string('method');
    let outcome: Outcome;
    if (method === 'rw') outcome = await readThenWrite(ctx, client, fullPath, newData);
    else if (method === 'patch' || method === '')
      outcome = await mergePatch(ctx, client, fullPath, newData, flags.int('cas'), method === '');
    else {
      ctx.ui.error(`Unsupported method provided to -method flag: ${method}`);
      return 2;
    }
    if (outcome.code !== 0 || outcome.secret === null) return outcome.code;
    return printWriteMetadata(ctx, outcome.secret, fullPath, flags.string('field'));
  },
};
