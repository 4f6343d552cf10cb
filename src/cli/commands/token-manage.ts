/**
 * `token renew|revoke|capabilities`.
 */
import { HTTP_FLAGS } from '../client/http-flags.js';
import * as sys from '../client/sys-api.js';
import { CliError, attempt, defineCommand } from '../command.js';
import { outputFlags } from '../output/output-flags.js';

/** `token renew [-increment=DURATION] [TOKEN]`. */
export const tokenRenewCommand = defineCommand({
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
  args: [0, 1, '1'],
  async run({ flags, args, client }) {
    const api = client();
    const token = (args[0] ?? '').trim();
    const increment = Math.max(0, Math.floor(flags.duration('increment')));
    return attempt('Error renewing token', () =>
      token === '' ? sys.renewSelf(api, increment) : sys.renewToken(api, token, increment),
    );
  },
});

/** `token revoke [-self | -accessor | -mode=orphan|path] [TOKEN]`. */
export const tokenRevokeCommand = defineCommand({
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
  args: (args, flags) => {
    const mode = flags.string('mode');
    const self = flags.bool('self');
    const accessor = flags.bool('accessor');
    if (!['', 'orphan', 'path'].includes(mode)) return `Invalid mode: ${mode}`;
    if (self && args.length > 0) return `Too many arguments with -self (expected 0, got ${args.length})`;
    if (!self && args.length > 1) return `Too many arguments (expected 1 or -self, got ${args.length})`;
    if (!self && args.length < 1) return `Not enough arguments (expected 1 or -self, got ${args.length})`;
    if (self && accessor) return 'Cannot use -self with -accessor!';
    if (self && mode !== '') return 'Cannot use -self with -mode!';
    if (accessor && mode !== '') return `Cannot use -accessor with -mode=${mode}!`;
    return undefined;
  },
  async run({ ui, flags, args, client }) {
    const api = client();
    const token = (args[0] ?? '').trim();
    const mode = flags.string('mode');
    await attempt('Error revoking token', () => {
      if (flags.bool('self')) return sys.revoke.self(api);
      if (flags.bool('accessor')) return sys.revoke.accessor(api, token);
      if (mode === 'orphan') return sys.revoke.orphan(api, token);
      if (mode === 'path') return sys.revoke.prefix(api, token);
      return sys.revoke.tree(api, token);
    });
    ui.output('Success! Revoked token (if it existed)');
    return 0;
  },
});

/** `token capabilities [TOKEN] PATH`. */
export const tokenCapabilitiesCommand = defineCommand({
  name: 'token capabilities',
  synopsis: 'Print capabilities of a token on a path',
  help: `Usage: tresor token capabilities [options] [TOKEN] PATH

  Fetches the capabilities of a token for a given path. If a TOKEN is provided
  as an argument, the "/sys/capabilities" endpoint and permission is used. If
  no TOKEN is provided, the "/sys/capabilities-self" endpoint and permission
  is used with the locally authenticated token.

      $ tresor token capabilities secret/foo`,
  flags: [HTTP_FLAGS, outputFlags()],
  args: [1, 2],
  async run({ ui, args, client }) {
    const api = client();
    const [token, path] = args.length === 2 ? [args[0] ?? '', args[1] ?? ''] : [api.token, args[0] ?? ''];
    const caps = await attempt('Error listing capabilities', () => sys.capabilities(api, token, path));
    if (caps === null) throw new CliError('No capabilities found', 1);
    if (ui.format !== 'table') return caps;
    ui.output([...caps].sort().join(', '));
    return 0;
  },
});
