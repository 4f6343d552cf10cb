/**
 * `kv metadata get|put|delete|list` (KV v2 only).
 */
import { type Command, HTTP_FLAGS, RUN_RESULT_HELP, checkArgCount, outputFlags } from './command.js';
import { outputData, outputSecret, printRawField } from './format.js';
import { goDuration } from './go-text.js';
import { MOUNT_FLAG_GROUP, headerForMap, kvFullPath, outputPath } from './kv-common.js';
import { kvStart } from './kv.js';
import { listAndPrint, writeFailure, writeOutcome } from './logical.js';
import { type Secret, isObject, readSecret, writeSecret } from './secret.js';

const V1_ERROR = 'Metadata not supported on KV Version 1';

/** `kv metadata` (the group). */
export const kvMetadataCommand: Command = {
  name: 'kv metadata',
  synopsis: "Interact with Vault's Key-Value storage",
  help: `Usage: tresor kv metadata <subcommand> [options] [args]

  This command has subcommands for interacting with the metadata endpoint in
  Vault's key-value store.

      $ tresor kv metadata put -mount=secret -max-versions=5 foo
      $ tresor kv metadata get -mount=secret foo
      $ tresor kv metadata delete -mount=secret foo`,
  flags: [],
  run: () => Promise.resolve(RUN_RESULT_HELP),
};

/** `kv metadata get PATH`. */
export const kvMetadataGetCommand: Command = {
  name: 'kv metadata get',
  synopsis: 'Retrieves key metadata from the KV store',
  help: `Usage: tresor kv metadata get [options] KEY

  Retrieves the metadata from Vault's key-value store at the given key name. If
  no key exists with that name, an error is returned.

      $ tresor kv metadata get -mount=secret foo`,
  flags: [HTTP_FLAGS, outputFlags({ field: true }), MOUNT_FLAG_GROUP],
  async run(ctx, argv) {
    const start = await kvStart(ctx, this, argv, (args) => checkArgCount(ctx, args, 1, 1));
    if (typeof start === 'number') return start;
    const { flags, client, target } = start;
    if (!target.v2) {
      ctx.ui.error(V1_ERROR);
      return 1;
    }
    const fullPath = kvFullPath(target, 'metadata');
    let secret: Secret | null;
    try {
      secret = await readSecret(client, 'GET', fullPath);
    } catch (err) {
      ctx.ui.error(`Error reading ${fullPath}: ${(err as Error).message}`);
      return 2;
    }
    if (secret === null) {
      ctx.ui.error(`No value found at ${fullPath}`);
      return 2;
    }
    if (flags.string('field') !== '') return printRawField(ctx.ui, secret, flags.string('field'));
    if (secret.wrap_info !== null || ctx.ui.format !== 'table') return outputSecret(ctx.ui, secret);
    const versions = secret.data?.versions;
    if (!isObject(versions)) {
      ctx.ui.error(`No value found at ${fullPath}`);
      outputSecret(ctx.ui, secret);
      return 2;
    }
    const rest = { ...(secret.data ?? {}) };
    delete rest.versions;
    outputPath(ctx, fullPath, 'Metadata Path');
    ctx.ui.info(headerForMap('Metadata', rest));
    outputSecret(ctx.ui, { ...secret, data: rest });
    const numbers = Object.keys(versions).map((k) => Number.parseInt(k, 10));
    if (numbers.some(Number.isNaN)) {
      ctx.ui.error(
        `Error parsing version ${Object.keys(versions).find((k) => Number.isNaN(Number.parseInt(k, 10))) ?? ''}`,
      );
      return 2;
    }
    for (const v of numbers.sort((a, b) => a - b)) {
      const entry = versions[String(v)];
      const map = isObject(entry) ? entry : {};
      ctx.ui.info(`\n${headerForMap(`Version ${v}`, map)}`);
      outputData(ctx.ui, map);
    }
    return 0;
  },
};

/** `kv metadata put [-max-versions=N] [-cas-required] [-delete-version-after=D] [-custom-metadata=k=v] PATH`. */
export const kvMetadataPutCommand: Command = {
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
  async run(ctx, argv) {
    const start = await kvStart(ctx, this, argv, (args) => checkArgCount(ctx, args, 1, 1));
    if (typeof start === 'number') return start;
    const { flags, client, target } = start;
    if (!target.v2) {
      ctx.ui.error(V1_ERROR);
      return 1;
    }
    const fullPath = kvFullPath(target, 'metadata');
    const data: Record<string, unknown> = {};
    if (flags.int('max-versions') >= 0) data.max_versions = flags.int('max-versions');
    if (flags.isSet('cas-required')) data.cas_required = flags.bool('cas-required');
    if (flags.duration('delete-version-after') >= 0)
      data.delete_version_after = goDuration(flags.duration('delete-version-after'));
    if (Object.keys(flags.map('custom-metadata')).length > 0)
      data.custom_metadata = flags.map('custom-metadata');
    let secret: Secret | null;
    try {
      secret = await writeSecret(client, 'PUT', fullPath, data);
    } catch (err) {
      return writeFailure(ctx, `Error writing data to ${fullPath}`, err);
    }
    return writeOutcome(ctx, secret, `Success! Data written to: ${fullPath}`, '');
  },
};

/** `kv metadata delete PATH`. */
export const kvMetadataDeleteCommand: Command = {
  name: 'kv metadata delete',
  synopsis: 'Deletes all versions and metadata for a key in the KV store',
  help: `Usage: tresor kv metadata delete [options] PATH

  Deletes all versions and metadata for the provided key.

      $ tresor kv metadata delete -mount=secret foo`,
  flags: [HTTP_FLAGS, MOUNT_FLAG_GROUP],
  async run(ctx, argv) {
    const start = await kvStart(ctx, this, argv, (args) => checkArgCount(ctx, args, 1, 1));
    if (typeof start === 'number') return start;
    const { client, target } = start;
    if (!target.v2) {
      ctx.ui.error(V1_ERROR);
      return 1;
    }
    const fullPath = kvFullPath(target, 'metadata');
    try {
      await writeSecret(client, 'DELETE', fullPath);
    } catch (err) {
      ctx.ui.error(`Error deleting ${fullPath}: ${(err as Error).message}`);
      return 2;
    }
    ctx.ui.info(`Success! Data deleted (if it existed) at: ${fullPath}`);
    return 0;
  },
};

/** `kv metadata list PATH` (tresor extra: the same listing as `kv list`). */
export const kvMetadataListCommand: Command = {
  name: 'kv metadata list',
  synopsis: 'Lists keys in the KV store (same as "kv list")',
  help: `Usage: tresor kv metadata list [options] PATH

  Lists the keys under a path of a KV version 2 mount, from its metadata.

      $ tresor kv metadata list -mount=secret my-app/`,
  flags: [HTTP_FLAGS, outputFlags({ detailed: true }), MOUNT_FLAG_GROUP],
  async run(ctx, argv) {
    const start = await kvStart(ctx, this, argv, (args, flags) =>
      args.length === 0 && flags.string('mount') !== '' ? undefined : checkArgCount(ctx, args, 1, 1),
    );
    if (typeof start === 'number') return start;
    const { client, target } = start;
    if (!target.v2) {
      ctx.ui.error(V1_ERROR);
      return 1;
    }
    const fullPath = kvFullPath(target, 'metadata');
    return listAndPrint(ctx, () => readSecret(client, 'LIST', fullPath), fullPath);
  },
};
