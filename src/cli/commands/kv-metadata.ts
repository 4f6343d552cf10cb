/**
 * `kv metadata get|put|delete|list` (KV v2 only).
 */
import { goDuration } from '../../helper/go/duration.js';
import type { ApiClient } from '../client/api-client.js';
import { HTTP_FLAGS } from '../client/http-flags.js';
import { isObject, readSecret, writeSecret } from '../client/secret.js';
import { type CommandInput, CliError, attempt, defineCommand, defineGroup } from '../command.js';
import { outputData, outputSecret, outputSecretOrField } from '../output/format.js';
import { outputFlags } from '../output/output-flags.js';
import { kvListingCommand } from './kv.js';
import {
  type KvTarget,
  MOUNT_FLAG_GROUP,
  headerForMap,
  kvFullPath,
  kvTarget,
  outputPath,
} from './kv-target.js';
import { attemptWrite, writeOutcome } from './logical.js';

/** The client and the KV v2 target of a metadata command (KV v1 has no metadata: exit 1). */
async function metadataTarget(input: CommandInput): Promise<{ client: ApiClient; target: KvTarget }> {
  const found = await kvTarget(input);
  if (!found.target.v2) throw new CliError('Metadata not supported on KV Version 1', 1);
  return found;
}

/** `kv metadata` (the group). */
export const kvMetadataCommand = defineGroup(
  'kv metadata',
  "Interact with Vault's Key-Value storage",
  `Usage: tresor kv metadata <subcommand> [options] [args]

  This command has subcommands for interacting with the metadata endpoint in
  Vault's key-value store.

      $ tresor kv metadata put -mount=secret -max-versions=5 foo
      $ tresor kv metadata get -mount=secret foo
      $ tresor kv metadata delete -mount=secret foo`,
);

/** `kv metadata get PATH`. */
export const kvMetadataGetCommand = defineCommand({
  name: 'kv metadata get',
  synopsis: 'Retrieves key metadata from the KV store',
  help: `Usage: tresor kv metadata get [options] KEY

  Retrieves the metadata from Vault's key-value store at the given key name. If
  no key exists with that name, an error is returned.

      $ tresor kv metadata get -mount=secret foo`,
  flags: [HTTP_FLAGS, outputFlags({ field: true }), MOUNT_FLAG_GROUP],
  args: [1, 1],
  async run(input) {
    const { ui, flags } = input;
    const { client, target } = await metadataTarget(input);
    const fullPath = kvFullPath(target, 'metadata');
    const secret = await attempt(`Error reading ${fullPath}`, () => readSecret(client, 'GET', fullPath));
    if (secret === null) throw new CliError(`No value found at ${fullPath}`);
    if (flags.string('field') !== '') return outputSecretOrField(ui, secret, flags.string('field'));
    if (secret.wrap_info !== null || ui.format !== 'table') return secret;
    const versions = secret.data?.versions;
    if (!isObject(versions)) throw new CliError(`No value found at ${fullPath}`, 2, secret);
    const rest = { ...(secret.data ?? {}) };
    delete rest.versions;
    outputPath(input.ctx, fullPath, 'Metadata Path');
    ui.info(headerForMap('Metadata', rest));
    outputSecret(ui, { ...secret, data: rest });
    const numbers = Object.keys(versions).map((k) => Number.parseInt(k, 10));
    if (numbers.some(Number.isNaN)) {
      throw new CliError(
        `Error parsing version ${Object.keys(versions).find((k) => Number.isNaN(Number.parseInt(k, 10))) ?? ''}`,
      );
    }
    for (const v of numbers.sort((a, b) => a - b)) {
      const entry = versions[String(v)];
      const map = isObject(entry) ? entry : {};
      ui.info(`\n${headerForMap(`Version ${v}`, map)}`);
      outputData(ui, map);
    }
    return 0;
  },
});

/** `kv metadata put [-max-versions=N] [-cas-required] [-delete-version-after=D] [-custom-metadata=k=v] PATH`. */
export const kvMetadataPutCommand = defineCommand({
  name: 'kv metadata put',
  synopsis: 'Sets or updates key settings in the KV store',
  help: `Usage: tresor kv metadata put [options] KEY

  This command can be used to create a blank key in the key-value store or to
  update key configuration for a specified key.

      $ tresor kv metadata put -mount=secret -max-versions=5 -custom-metadata=foo=abc foo`,
  flags: [
    HTTP_FLAGS,
    outputFlags(),
    {
      title: 'Common Options',
      flags: [
        ...MOUNT_FLAG_GROUP.flags,
        {
          name: 'max-versions',
          kind: 'int',
          default: -1,
          usage: "The number of versions to keep. If not set, the backend's configured max version is used.",
        },
        {
          name: 'cas-required',
          kind: 'bool',
          usage:
            "If true the key will require the cas parameter to be set on all write requests. If false, the backend's configuration will be used.",
        },
        {
          name: 'delete-version-after',
          kind: 'duration',
          default: -1,
          usage:
            'Specifies the length of time before a version is deleted. If not set, the backend\'s configured delete-version-after is used. Cannot be greater than the backend\'s delete-version-after. The delete-version-after is specified as a numeric string with a suffix like "30s" or "3h25m19s".',
        },
        {
          name: 'custom-metadata',
          kind: 'map',
          usage:
            'Specifies arbitrary version-agnostic key=value metadata meant to describe a secret. This can be specified multiple times to add multiple pieces of metadata.',
        },
      ],
    },
  ],
  args: [1, 1],
  async run(input) {
    const { ui, flags } = input;
    const { client, target } = await metadataTarget(input);
    const fullPath = kvFullPath(target, 'metadata');
    const data: Record<string, unknown> = {};
    if (flags.int('max-versions') >= 0) data.max_versions = flags.int('max-versions');
    if (flags.isSet('cas-required')) data.cas_required = flags.bool('cas-required');
    if (flags.duration('delete-version-after') >= 0)
      data.delete_version_after = goDuration(flags.duration('delete-version-after'));
    if (Object.keys(flags.map('custom-metadata')).length > 0)
      data.custom_metadata = flags.map('custom-metadata');
    const secret = await attemptWrite(`Error writing data to ${fullPath}`, () =>
      writeSecret(client, 'PUT', fullPath, data),
    );
    return writeOutcome(ui, secret, `Success! Data written to: ${fullPath}`, '');
  },
});

/** `kv metadata delete PATH`. */
export const kvMetadataDeleteCommand = defineCommand({
  name: 'kv metadata delete',
  synopsis: 'Deletes all versions and metadata for a key in the KV store',
  help: `Usage: tresor kv metadata delete [options] PATH

  Deletes all versions and metadata for the provided key.

      $ tresor kv metadata delete -mount=secret foo`,
  flags: [HTTP_FLAGS, MOUNT_FLAG_GROUP],
  args: [1, 1],
  async run(input) {
    const { client, target } = await metadataTarget(input);
    const fullPath = kvFullPath(target, 'metadata');
    await attempt(`Error deleting ${fullPath}`, () => writeSecret(client, 'DELETE', fullPath));
    input.ui.info(`Success! Data deleted (if it existed) at: ${fullPath}`);
    return 0;
  },
});

/** `kv metadata list PATH` (tresor extra: the same listing as `kv list`). */
export const kvMetadataListCommand = kvListingCommand(
  'kv metadata list',
  {
    synopsis: 'Lists keys in the KV store (same as "kv list")',
    help: `Usage: tresor kv metadata list [options] PATH

  Lists the keys under a path of a KV version 2 mount, from its metadata.

      $ tresor kv metadata list -mount=secret my-app/`,
  },
  metadataTarget,
);
