/**
 * `kv put|get|list` (delete, undelete and destroy are in kv-delete.ts, patch in kv-patch.ts,
 * metadata in kv-metadata.ts): KV v1 and v2 through the preflight, as the vault CLI does, with
 * -mount, -cas and -version.
 */
import type { FlagGroup } from '../../helper/go/flags.js';
import { HTTP_FLAGS } from '../client/http-flags.js';
import { type Secret, isObject, readSecret, writeSecret } from '../client/secret.js';
import type { ApiClient } from '../client/api-client.js';
import {
  type Command,
  type CommandContext,
  type CommandInput,
  CliError,
  argCountProblem,
  defineCommand,
  defineGroup,
} from '../command.js';
import { outputData, outputSecret, printRawField, printWarnings } from '../output/format.js';
import { outputFlags } from '../output/output-flags.js';
import {
  type KvTarget,
  MOUNT_FLAG_GROUP,
  headerForMap,
  kvFullPath,
  kvTarget,
  outputPath,
} from './kv-target.js';
import { attemptWrite, kvData, listAndPrint, writeOutcome } from './logical.js';

/** Prints a v2 write's metadata as vault's kv put/patch do. */
export function printWriteMetadata(
  ctx: CommandContext,
  secret: Secret,
  fullPath: string,
  field: string,
): number {
  const { ui } = ctx;
  if (field !== '') return printRawField(ui, secret, field);
  if (secret.wrap_info !== null && secret.wrap_info.ttl !== 0) return outputSecret(ui, secret);
  if (ui.format !== 'table') return outputSecret(ui, secret);
  outputPath(ctx, fullPath, 'Secret Path');
  const metadata = secret.data ?? {};
  ui.info(headerForMap('Metadata', metadata));
  return outputData(ui, metadata);
}

/** `kv` (the group). */
export const kvCommand = defineGroup(
  'kv',
  "Interact with Vault's Key-Value storage",
  `Usage: tresor kv <subcommand> [options] [args]

  This command has subcommands for interacting with Vault's key-value
  store. Here are some simple examples, and more detailed examples are
  available in the subcommands or the documentation.

      $ tresor kv put -mount=secret foo bar=baz
      $ tresor kv get -mount=secret foo
      $ tresor kv list secret/`,
);

const casFlag = (usage: string): FlagGroup => ({
  title: 'Common Options',
  flags: [...MOUNT_FLAG_GROUP.flags, { name: 'cas', kind: 'int', default: -1, usage }],
});

/** The argument check of `kv put` and `kv patch`: a path and data (or, for patch, -remove-data). */
export function needData(args: readonly string[], removals = 0): string | undefined {
  if (args.length < 1) return `Not enough arguments (expected >1, got ${args.length})`;
  if (args.length === 1 && removals === 0) return 'Must supply data';
  return undefined;
}

/**
 * A listing of the keys under a path, from the metadata of KV v2 (the plain path on v1):
 * `kv list`, and `kv metadata list` whose `targetOf` refuses KV v1. The path may be left out
 * with -mount.
 */
export function kvListingCommand(
  name: string,
  text: { readonly synopsis: string; readonly help: string },
  targetOf: (input: CommandInput) => Promise<{ client: ApiClient; target: KvTarget }>,
): Command {
  return defineCommand({
    name,
    ...text,
    flags: [HTTP_FLAGS, outputFlags({ detailed: true }), MOUNT_FLAG_GROUP],
    args: (args, flags) =>
      args.length === 0 && flags.string('mount') !== '' ? undefined : argCountProblem(args, 1, 1),
    async run(input) {
      const { client, target } = await targetOf(input);
      const fullPath = kvFullPath(target, 'metadata');
      return listAndPrint(input.ui, () => readSecret(client, 'LIST', fullPath), fullPath);
    },
  });
}

/** `kv put [-cas=N] [-mount=M] PATH K=V...`. */
export const kvPutCommand = defineCommand({
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
  flagWarnings: false,
  args: (args) => needData(args),
  async run(input) {
    const { ui, flags, args, readStdin } = input;
    const { client, target } = await kvTarget(input);
    let data = await kvData(args.slice(1), readStdin);
    const fullPath = kvFullPath(target, 'data');
    if (target.v2) {
      const options: Record<string, unknown> = {};
      if (flags.int('cas') > -1) options.cas = flags.int('cas');
      data = { data, options };
    }
    const secret = await attemptWrite(`Error writing data to ${fullPath}`, () =>
      writeSecret(client, 'PUT', fullPath, data),
    );
    if (secret === null) return writeOutcome(ui, null, `Success! Data written to: ${fullPath}`, '');
    return printWriteMetadata(input.ctx, secret, fullPath, flags.string('field'));
  },
});

/** `kv get [-version=N] [-mount=M] PATH`. */
export const kvGetCommand = defineCommand({
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
  args: [1, 1],
  async run(input) {
    const { ui, flags } = input;
    const { client, target } = await kvTarget(input);
    const fullPath = kvFullPath(target, 'data');
    const query: Record<string, string> =
      target.v2 && flags.int('version') > 0 ? { version: String(flags.int('version')) } : {};
    const secret = await attemptWrite(`Error reading ${fullPath}`, () =>
      readSecret(client, 'GET', fullPath, query),
    );
    if (secret === null) throw new CliError(`No value found at ${fullPath}`);
    const field = flags.string('field');
    if (field !== '') {
      if (!target.v2) return printRawField(ui, secret, field);
      const inner = secret.data?.data;
      if (!isObject(inner)) throw new CliError(`No data found at ${fullPath}`);
      if (field === 'data' && !('data' in inner)) return printRawField(ui, secret, field);
      return printRawField(ui, inner, field);
    }
    if (secret.wrap_info !== null || ui.format !== 'table') return secret;
    printWarnings(ui, secret);
    if (target.v2) outputPath(input.ctx, fullPath, 'Secret Path');
    const metadata = secret.data?.metadata;
    if (isObject(metadata)) {
      ui.info(headerForMap('Metadata', metadata));
      outputData(ui, metadata);
      ui.info('');
    }
    const data = target.v2 ? secret.data?.data : secret.data;
    if (isObject(data)) {
      ui.info(headerForMap('Data', data));
      outputData(ui, data);
    }
    return 0;
  },
});

/** `kv list [-mount=M] PATH`. */
export const kvListCommand = kvListingCommand(
  'kv list',
  {
    synopsis: 'List data or secrets',
    help: `Usage: tresor kv list [options] PATH

  Lists data from Vault's key-value store at the given path.

      $ tresor kv list -mount=secret my-app/`,
  },
  kvTarget,
);
