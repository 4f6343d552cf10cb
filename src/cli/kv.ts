/**
 * `kv put|get|list|delete|undelete|destroy|patch`: KV v1 and v2 through the preflight, as the
 * vault CLI does, with -mount, -cas, -version and -versions.
 */
import type { ApiClient } from './api-client.js';
import {
  type Command,
  type CommandContext,
  HTTP_FLAGS,
  RUN_RESULT_HELP,
  checkArgCount,
  clientOrExit,
  outputFlags,
  parseCommandArgs,
  stdinReader,
} from './command.js';
import type { FlagGroup, FlagValues } from './flags.js';
import { outputData, outputSecret, printRawField, printWarnings } from './format.js';
import {
  MOUNT_FLAG_GROUP,
  type KvTarget,
  headerForMap,
  kvFullPath,
  outputPath,
  resolveKvTarget,
} from './kv-common.js';
import { parseArgsData } from './kv-args.js';
import { listAndPrint, writeFailure, writeOutcome } from './logical.js';
import { type Secret, isObject, readSecret, writeSecret } from './secret.js';

/** Parses flags, builds the client and resolves the kv target: the common start of every kv command. */
export async function kvStart(
  ctx: CommandContext,
  cmd: Command,
  argv: readonly string[],
  check: (args: string[], flags: FlagValues) => number | undefined,
  opts: { flagWarnings?: boolean } = {},
): Promise<{ flags: FlagValues; args: string[]; client: ApiClient; target: KvTarget } | number> {
  const parsed = parseCommandArgs(ctx, cmd, argv, opts);
  if (typeof parsed === 'number') return parsed;
  const { flags } = parsed;
  let args = parsed.args;
  const bad = check(args, flags);
  if (bad !== undefined) return bad;
  if (args.length === 0) args = [''];
  const client = clientOrExit(ctx, flags);
  if (typeof client === 'number') return client;
  const target = await resolveKvTarget(ctx, client, args[0] ?? '', flags.string('mount'));
  if (typeof target === 'number') return target;
  return { flags, args, client, target };
}

/** Prints a v2 write's metadata as vault's kv put/patch do. */
function printWriteMetadata(ctx: CommandContext, secret: Secret, fullPath: string, field: string): number {
  if (field !== '') return printRawField(ctx.ui, secret, field);
  if (secret.wrap_info !== null && secret.wrap_info.ttl !== 0) return outputSecret(ctx.ui, secret);
  if (ctx.ui.format !== 'table') return outputSecret(ctx.ui, secret);
  outputPath(ctx, fullPath, 'Secret Path');
  const metadata = secret.data ?? {};
  ctx.ui.info(headerForMap('Metadata', metadata));
  return outputData(ctx.ui, metadata);
}

/** `kv` (the group). */
export const kvCommand: Command = {
  name: 'kv',
  synopsis: "Interact with Vault's Key-Value storage",
  help: `Usage: tresor kv <subcommand> [options] [args]

  This command has subcommands for interacting with Vault's key-value
  store. Here are some simple examples, and more detailed examples are
  available in the subcommands or the documentation.

      $ tresor kv put -mount=secret foo bar=baz
      $ tresor kv get -mount=secret foo
      $ tresor kv list secret/`,
  flags: [],
  run: () => Promise.resolve(RUN_RESULT_HELP),
};

const casFlag = (usage: string): FlagGroup => ({
  title: 'Common Options',
  flags: [...MOUNT_FLAG_GROUP.flags, { name: 'cas', kind: 'int', default: -1, usage }],
});

const needData =
  (ctx: CommandContext) =>
  (args: string[]): number | undefined => {
    if (args.length < 1) {
      ctx.ui.error(`Not enough arguments (expected >1, got ${args.length})`);
      return 1;
    }
    if (args.length === 1) {
      ctx.ui.error('Must supply data');
      return 1;
    }
    return undefined;
  };

/** `kv put [-cas=N] [-mount=M] PATH K=V...`. */
export const kvPutCommand: Command = {
  name: 'kv put',
  synopsis: 'Sets or updates data in the KV store',
  help: `Usage: tresor kv put [options] KEY [DATA]

  Writes the data to the given path in the key-value store. The data can be of
  any type.

      $ tresor kv put -mount=secret foo bar=baz
      $ tresor kv put secret/foo bar=baz
      $ echo "abcd1234" | tresor kv put -mount=secret foo bar=-
      $ tresor kv put -mount=secret -cas=1 foo bar=baz`,
  flags: [
    HTTP_FLAGS,
    outputFlags({ field: true }),
    casFlag(
      "Specifies to use a Check-And-Set operation. If not set the write will be allowed. If set to 0 a write will only be allowed if the key doesn't exist. If the index is non-zero the write will only be allowed if the key's current version matches the version specified in the cas parameter.",
    ),
  ],
  async run(ctx, argv) {
    const start = await kvStart(ctx, this, argv, needData(ctx), { flagWarnings: false });
    if (typeof start === 'number') return start;
    const { flags, args, client, target } = start;
    let data: Record<string, unknown>;
    try {
      data = await parseArgsData(args.slice(1), stdinReader(ctx));
    } catch (err) {
      ctx.ui.error(`Failed to parse K=V data: ${(err as Error).message}`);
      return 1;
    }
    const fullPath = kvFullPath(target, 'data');
    if (target.v2) {
      const options: Record<string, unknown> = {};
      if (flags.int('cas') > -1) options.cas = flags.int('cas');
      data = { data, options };
    }
    let secret: Secret | null;
    try {
      secret = await writeSecret(client, 'PUT', fullPath, data);
    } catch (err) {
      return writeFailure(ctx, `Error writing data to ${fullPath}`, err);
    }
    if (secret === null) return writeOutcome(ctx, null, `Success! Data written to: ${fullPath}`, '');
    return printWriteMetadata(ctx, secret, fullPath, flags.string('field'));
  },
};

/** `kv get [-version=N] [-mount=M] PATH`. */
export const kvGetCommand: Command = {
  name: 'kv get',
  synopsis: 'Retrieves data from the KV store',
  help: `Usage: tresor kv get [options] KEY

  Retrieves the value from Vault's key-value store at the given key name. If no
  key exists with that name, an error is returned. If a key exists with that
  name but has no data, nothing is returned.

      $ tresor kv get -mount=secret foo
      $ tresor kv get -mount=secret -version=1 foo`,
  flags: [
    HTTP_FLAGS,
    outputFlags({ field: true }),
    {
      title: 'Common Options',
      flags: [
        ...MOUNT_FLAG_GROUP.flags,
        {
          name: 'version',
          kind: 'int',
          usage: 'If passed, the value at the version number will be returned.',
        },
      ],
    },
  ],
  async run(ctx, argv) {
    const start = await kvStart(ctx, this, argv, (args) => checkArgCount(ctx, args, 1, 1));
    if (typeof start === 'number') return start;
    const { flags, client, target } = start;
    const fullPath = kvFullPath(target, 'data');
    const query: Record<string, string> =
      target.v2 && flags.int('version') > 0 ? { version: String(flags.int('version')) } : {};
    let secret: Secret | null;
    try {
      secret = await readSecret(client, 'GET', fullPath, query);
    } catch (err) {
      return writeFailure(ctx, `Error reading ${fullPath}`, err);
    }
    if (secret === null) {
      ctx.ui.error(`No value found at ${fullPath}`);
      return 2;
    }
    const field = flags.string('field');
    if (field !== '') {
      if (!target.v2) return printRawField(ctx.ui, secret, field);
      const inner = secret.data?.data;
      if (!isObject(inner)) {
        ctx.ui.error(`No data found at ${fullPath}`);
        return 2;
      }
      if (field === 'data' && !('data' in inner)) return printRawField(ctx.ui, secret, field);
      return printRawField(ctx.ui, inner, field);
    }
    if (secret.wrap_info !== null || ctx.ui.format !== 'table') return outputSecret(ctx.ui, secret);
    printWarnings(ctx.ui, secret);
    if (target.v2) outputPath(ctx, fullPath, 'Secret Path');
    const metadata = secret.data?.metadata;
    if (isObject(metadata)) {
      ctx.ui.info(headerForMap('Metadata', metadata));
      outputData(ctx.ui, metadata);
      ctx.ui.info('');
    }
    const data = target.v2 ? secret.data?.data : secret.data;
    if (isObject(data)) {
      ctx.ui.info(headerForMap('Data', data));
      outputData(ctx.ui, data);
    }
    return 0;
  },
};

/** `kv list [-mount=M] PATH`. */
export const kvListCommand: Command = {
  name: 'kv list',
  synopsis: 'List data or secrets',
  help: `Usage: tresor kv list [options] PATH

  Lists data from Vault's key-value store at the given path.

      $ tresor kv list -mount=secret my-app/`,
  flags: [HTTP_FLAGS, outputFlags({ detailed: true }), MOUNT_FLAG_GROUP],
  async run(ctx, argv) {
    const start = await kvStart(ctx, this, argv, (args, flags) =>
      args.length === 0 && flags.string('mount') !== '' ? undefined : checkArgCount(ctx, args, 1, 1),
    );
    if (typeof start === 'number') return start;
    const { client, target } = start;
    const fullPath = kvFullPath(target, 'metadata');
    return listAndPrint(ctx, () => readSecret(client, 'LIST', fullPath), fullPath);
  },
};

export { printWriteMetadata };
