/**
 * `policy write|read|list|delete`.
 */
import { readFileSync } from 'node:fs';
import { HTTP_FLAGS } from '../client/http-flags.js';
import * as sys from '../client/sys-api.js';
import { CliError, attempt, defineCommand, defineGroup } from '../command.js';
import { outputFlags } from '../output/output-flags.js';

/** `policy` (the group). */
export const policyCommand = defineGroup(
  'policy',
  'Interact with policies',
  `Usage: tresor policy <subcommand> [options] [args]

  This command groups subcommands for interacting with policies.
  Users can write, read, and list policies in Vault.

      $ tresor policy list
      $ tresor policy write my-policy /tmp/policy.hcl`,
);

/** The policy text of `policy write`: a file, or stdin for "-". */
async function policyText(path: string, readStdin: () => Promise<string>): Promise<string> {
  if (path === '-') return attempt('Error reading policy', readStdin);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file or directory' : (err as Error).message;
    throw new CliError(`Error opening policy file: open ${path}: ${reason}`);
  }
}

/** `policy write NAME PATH` (PATH "-" reads stdin). */
export const policyWriteCommand = defineCommand({
  name: 'policy write',
  synopsis: 'Uploads a named policy from a file',
  help: `Usage: tresor policy write [options] NAME PATH

  Uploads a policy with name NAME from the contents of a local file PATH or
  stdin. If PATH is "-", the policy is read from stdin. Otherwise, it is
  loaded from the file at the given path on the local disk.

      $ tresor policy write my-policy /tmp/policy.hcl
      $ cat my-policy.hcl | tresor policy write my-policy -`,
  flags: [HTTP_FLAGS],
  args: [2, 2],
  async run({ ui, args, client, readStdin }) {
    const api = client();
    const name = (args[0] ?? '').toLowerCase().trim();
    const rules = await policyText((args[1] ?? '').trim(), readStdin);
    await attempt('Error uploading policy', () => sys.putPolicy(api, name, rules));
    ui.output(`Success! Uploaded policy: ${name}`);
    return 0;
  },
});

/** `policy read NAME`. */
export const policyReadCommand = defineCommand({
  name: 'policy read',
  synopsis: 'Prints the contents of a policy',
  help: `Usage: tresor policy read [options] [NAME]

  Prints the contents and metadata of the Vault policy named NAME. If the policy
  does not exist, an error is returned.

      $ tresor policy read my-policy`,
  flags: [HTTP_FLAGS, outputFlags()],
  args: [1, 1],
  async run({ ui, args, client }) {
    const api = client();
    const name = (args[0] ?? '').trim().toLowerCase();
    const rules = await attempt(`Error reading policy named ${name}`, () => sys.getPolicy(api, name));
    if (rules === '') throw new CliError(`No policy named: ${name}`);
    if (ui.format !== 'table') return { policy: rules };
    ui.output(rules.trim());
    return 0;
  },
});

/** `policy list`. */
export const policyListCommand = defineCommand({
  name: 'policy list',
  synopsis: 'Lists the installed policies',
  help: `Usage: tresor policy list [options]

  Lists the names of the policies that are installed on the Vault server.

      $ tresor policy list`,
  flags: [HTTP_FLAGS, outputFlags()],
  args: [0, 0],
  async run({ ui, client }) {
    const api = client();
    const policies = await attempt('Error listing policies', () => sys.listPolicies(api));
    if (ui.format !== 'table') return policies;
    for (const p of policies) ui.output(p);
    return 0;
  },
});

/** `policy delete NAME`. */
export const policyDeleteCommand = defineCommand({
  name: 'policy delete',
  synopsis: 'Deletes a policy by name',
  help: `Usage: tresor policy delete [options] NAME

  Deletes the policy named NAME in the Vault server. Once the policy is deleted,
  all tokens associated with the policy are affected immediately.

      $ tresor policy delete my-policy`,
  flags: [HTTP_FLAGS],
  args: [1, 1],
  async run({ ui, args, client }) {
    const api = client();
    const name = (args[0] ?? '').trim().toLowerCase();
    await attempt(`Error deleting ${name}`, () => sys.deletePolicy(api, name));
    ui.output(`Success! Deleted policy: ${name}`);
    return 0;
  },
});
