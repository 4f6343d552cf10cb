/**
 * `policy write|read|list|delete`.
 */
import { readFileSync } from 'node:fs';
import {
  type Command,
  HTTP_FLAGS,
  RUN_RESULT_HELP,
  checkArgCount,
  clientOrExit,
  outputFlags,
  parseCommandArgs,
} from './command.js';
import { outputData } from './format.js';
import { readAll } from './io.js';
import * as sys from './sys-api.js';

/** `policy` (the group). */
export const policyCommand: Command = {
  name: 'policy',
  synopsis: 'Interact with policies',
  help: `Usage: tresor policy <subcommand> [options] [args]

  This command groups subcommands for interacting with policies.
  Users can write, read, and list policies in Vault.

      $ tresor policy list
      $ tresor policy write my-policy /tmp/policy.hcl`,
  flags: [],
  run: () => Promise.resolve(RUN_RESULT_HELP),
};

/** `policy write NAME PATH` (PATH "-" reads stdin). */
export const policyWriteCommand: Command = {
  name: 'policy write',
  synopsis: 'Uploads a named policy from a file',
  help: `Usage: tresor policy write [options] NAME PATH

  Uploads a policy with name NAME from the contents of a local file PATH or
  stdin. If PATH is "-", the policy is read from stdin. Otherwise, it is
  loaded from the file at the given path on the local disk.

      $ tresor policy write my-policy /tmp/policy.hcl
      $ cat my-policy.hcl | tresor policy write my-policy -`,
  flags: [HTTP_FLAGS],
  async run(ctx, argv) {
    const parsed = parseCommandArgs(ctx, this, argv);
    if (typeof parsed === 'number') return parsed;
    const bad = checkArgCount(ctx, parsed.args, 2, 2);
    if (bad !== undefined) return bad;
    const client = clientOrExit(ctx, parsed.flags);
    if (typeof client === 'number') return client;
    const name = (parsed.args[0] ?? '').toLowerCase().trim();
    const path = (parsed.args[1] ?? '').trim();
    let rules: string;
    if (path === '-') {
      try {
        rules = await readAll(ctx.io.stdin);
      } catch (err) {
        ctx.ui.error(`Error reading policy: ${(err as Error).message}`);
        return 2;
      }
    } else {
      try {
        rules = readFileSync(path, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const reason = code === 'ENOENT' ? 'no such file or directory' : (err as Error).message;
        ctx.ui.error(`Error opening policy file: open ${path}: ${reason}`);
        return 2;
      }
    }
    try {
      await sys.putPolicy(client, name, rules);
    } catch (err) {
      ctx.ui.error(`Error uploading policy: ${(err as Error).message}`);
      return 2;
    }
    ctx.ui.output(`Success! Uploaded policy: ${name}`);
    return 0;
  },
};

/** `policy read NAME`. */
export const policyReadCommand: Command = {
  name: 'policy read',
  synopsis: 'Prints the contents of a policy',
  help: `Usage: tresor policy read [options] [NAME]

  Prints the contents and metadata of the Vault policy named NAME. If the policy
  does not exist, an error is returned.

      $ tresor policy read my-policy`,
  flags: [HTTP_FLAGS, outputFlags()],
  async run(ctx, argv) {
    const parsed = parseCommandArgs(ctx, this, argv);
    if (typeof parsed === 'number') return parsed;
    const bad = checkArgCount(ctx, parsed.args, 1, 1);
    if (bad !== undefined) return bad;
    const client = clientOrExit(ctx, parsed.flags);
    if (typeof client === 'number') return client;
    const name = (parsed.args[0] ?? '').trim().toLowerCase();
    let rules: string;
    try {
      rules = await sys.getPolicy(client, name);
    } catch (err) {
      ctx.ui.error(`Error reading policy named ${name}: ${(err as Error).message}`);
      return 2;
    }
    if (rules === '') {
      ctx.ui.error(`No policy named: ${name}`);
      return 2;
    }
    if (ctx.ui.format !== 'table') return outputData(ctx.ui, { policy: rules });
    ctx.ui.output(rules.trim());
    return 0;
  },
};

/** `policy list`. */
export const policyListCommand: Command = {
  name: 'policy list',
  synopsis: 'Lists the installed policies',
  help: `Usage: tresor policy list [options]

  Lists the names of the policies that are installed on the Vault server.

      $ tresor policy list`,
  flags: [HTTP_FLAGS, outputFlags()],
  async run(ctx, argv) {
    const parsed = parseCommandArgs(ctx, this, argv);
    if (typeof parsed === 'number') return parsed;
    const bad = checkArgCount(ctx, parsed.args, 0, 0);
    if (bad !== undefined) return bad;
    const client = clientOrExit(ctx, parsed.flags);
    if (typeof client === 'number') return client;
    let policies: string[];
    try {
      policies = await sys.listPolicies(client);
    } catch (err) {
      ctx.ui.error(`Error listing policies: ${(err as Error).message}`);
      return 2;
    }
    if (ctx.ui.format !== 'table') return outputData(ctx.ui, policies);
    for (const p of policies) ctx.ui.output(p);
    return 0;
  },
};

/** `policy delete NAME`. */
export const policyDeleteCommand: Command = {
  name: 'policy delete',
  synopsis: 'Deletes a policy by name',
  help: `Usage: tresor policy delete [options] NAME

  Deletes the policy named NAME in the Vault server. Once the policy is deleted,
  all tokens associated with the policy are affected immediately.

      $ tresor policy delete my-policy`,
  flags: [HTTP_FLAGS],
  async run(ctx, argv) {
    const parsed = parseCommandArgs(ctx, this, argv);
    if (typeof parsed === 'number') return parsed;
    const bad = checkArgCount(ctx, parsed.args, 1, 1);
    if (bad !== undefined) return bad;
    const client = clientOrExit(ctx, parsed.flags);
    if (typeof client === 'number') return client;
    const name = (parsed.args[0] ?? '').trim().toLowerCase();
    try {
      await sys.deletePolicy(client, name);
    } catch (err) {
      ctx.ui.error(`Error deleting ${name}: ${(err as Error).message}`);
      return 2;
    }
    ctx.ui.output(`Success! Deleted policy: ${name}`);
    return 0;
  },
};
