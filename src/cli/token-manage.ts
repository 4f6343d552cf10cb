/**
 * `token renew|revoke|capabilities`.
 */
import {
  type Command,
  HTTP_FLAGS,
  checkArgCount,
  clientOrExit,
  outputFlags,
  parseCommandArgs,
} from './command.js';
import { outputData, outputSecret } from './format.js';
import * as sys from './sys-api.js';

/** `token renew [-increment=DURATION] [TOKEN]`. */
export const tokenRenewCommand: Command = {
  name: 'token renew',
  synopsis: 'Renew a token lease',
  help: `Usage: tresor token renew [options] [TOKEN]

  Renews a token's lease, extending the amount of time it can be used. If a
  TOKEN is not provided, the locally authenticated token is used.

      $ tresor token renew -increment=30m 96ddf4bc-d217-f3ba-f9bd-017055595017`,
  flags: [
    HTTP_FLAGS,
    outputFlags(),
    {
      title: 'Command Options',
      flags: [
        {
          name: 'increment',
          kind: 'duration',
          aliases: ['i'],
          usage:
            'Request a specific increment for renewal. This increment may not be honored, for instance in the case of periodic tokens. If not supplied, Vault will use the default TTL. This is specified as a numeric string with suffix like "30s" or "5m".',
        },
      ],
    },
  ],
  async run(ctx, argv) {
    const parsed = parseCommandArgs(ctx, this, argv);
    if (typeof parsed === 'number') return parsed;
    const { flags, args } = parsed;
    const bad = checkArgCount(ctx, args, 0, 1, '1');
    if (bad !== undefined) return bad;
    const client = clientOrExit(ctx, flags);
    if (typeof client === 'number') return client;
    const token = (args[0] ?? '').trim();
    const increment = Math.max(0, Math.floor(flags.duration('increment')));
    try {
      const secret =
        token === ''
          ? await sys.renewSelf(client, increment)
          : await sys.renewToken(client, token, increment);
      return outputSecret(ctx.ui, secret);
    } catch (err) {
      ctx.ui.error(`Error renewing token: ${(err as Error).message}`);
      return 2;
    }
  },
};

/** `token revoke [-self | -accessor | -mode=orphan|path] [TOKEN]`. */
export const tokenRevokeCommand: Command = {
  name: 'token revoke',
  synopsis: 'Revoke a token and its children',
  help: `Usage: tresor token revoke [options] [TOKEN | ACCESSOR]

  Revokes authentication tokens and their children. If a TOKEN is not provided,
  the -self flag must be used to revoke the locally authenticated token.

      $ tresor token revoke 96ddf4bc-d217-f3ba-f9bd-017055595017
      $ tresor token revoke -mode=orphan 96ddf4bc-d217-f3ba-f9bd-017055595017
      $ tresor token revoke -self`,
  flags: [
    HTTP_FLAGS,
    {
      title: 'Command Options',
      flags: [
        { name: 'accessor', kind: 'bool', usage: 'Treat the argument as an accessor instead of a token.' },
        { name: 'self', kind: 'bool', usage: 'Perform the revocation on the currently authenticated token.' },
        {
          name: 'mode',
          kind: 'string',
          usage:
            'Type of revocation to perform. If unspecified, Vault will revoke the token and all of the token\'s children. If "orphan", Vault will revoke only the token, leaving the children as orphans. If "path", tokens created from the given authentication path prefix are deleted along with their children.',
        },
      ],
    },
  ],
  async run(ctx, argv) {
    const parsed = parseCommandArgs(ctx, this, argv);
    if (typeof parsed === 'number') return parsed;
    const { flags, args } = parsed;
    const mode = flags.string('mode');
    const self = flags.bool('self');
    const accessor = flags.bool('accessor');
    const problem = ((): string | undefined => {
      if (!['', 'orphan', 'path'].includes(mode)) return `Invalid mode: ${mode}`;
      if (self && args.length > 0) return `Too many arguments with -self (expected 0, got ${args.length})`;
      if (!self && args.length > 1) return `Too many arguments (expected 1 or -self, got ${args.length})`;
      if (!self && args.length < 1) return `Not enough arguments (expected 1 or -self, got ${args.length})`;
      if (self && accessor) return 'Cannot use -self with -accessor!';
      if (self && mode !== '') return 'Cannot use -self with -mode!';
      if (accessor && mode !== '') return `Cannot use -accessor with -mode=${mode}!`;
      return undefined;
    })();
    if (problem !== undefined) {
      ctx.ui.error(problem);
      return 1;
    }
    const client = clientOrExit(ctx, flags);
    if (typeof client === 'number') return client;
    const token = (args[0] ?? '').trim();
    try {
      if (self) await sys.revoke.self(client);
      else if (accessor) await sys.revoke.accessor(client, token);
      else if (mode === 'orphan') await sys.revoke.orphan(client, token);
      else if (mode === 'path') await sys.revoke.prefix(client, token);
      else await sys.revoke.tree(client, token);
    } catch (err) {
      ctx.ui.error(`Error revoking token: ${(err as Error).message}`);
      return 2;
    }
    ctx.ui.output('Success! Revoked token (if it existed)');
    return 0;
  },
};

/** `token capabilities [TOKEN] PATH`. */
export const tokenCapabilitiesCommand: Command = {
  name: 'token capabilities',
  synopsis: 'Print capabilities of a token on a path',
  help: `Usage: tresor token capabilities [options] [TOKEN] PATH

  Fetches the capabilities of a token for a given path. If a TOKEN is provided
  as an argument, the "/sys/capabilities" endpoint and permission is used. If
  no TOKEN is provided, the "/sys/capabilities-self" endpoint and permission
  is used with the locally authenticated token.

      $ tresor token capabilities secret/foo`,
  flags: [HTTP_FLAGS, outputFlags()],
  async run(ctx, argv) {
    const parsed = parseCommandArgs(ctx, this, argv);
    if (typeof parsed === 'number') return parsed;
    const { flags, args } = parsed;
    const bad = checkArgCount(ctx, args, 1, 2);
    if (bad !== undefined) return bad;
    const client = clientOrExit(ctx, flags);
    if (typeof client === 'number') return client;
    const [token, path] = args.length === 2 ? [args[0] ?? '', args[1] ?? ''] : [client.token, args[0] ?? ''];
    let caps: string[] | null;
    try {
      caps = await sys.capabilities(client, token, path);
    } catch (err) {
      ctx.ui.error(`Error listing capabilities: ${(err as Error).message}`);
      return 2;
    }
    if (caps === null) {
      ctx.ui.error('No capabilities found');
      return 1;
    }
    if (ctx.ui.format !== 'table') return outputData(ctx.ui, caps);
    ctx.ui.output([...caps].sort().join(', '));
    return 0;
  },
};
