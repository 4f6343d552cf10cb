/**
 * `token create|lookup` with vault's flags, request bodies and output (renew, revoke and
 * capabilities are in token-manage.ts).
 */
import { goDuration } from '../../helper/go/duration.js';
import { HTTP_FLAGS } from '../client/http-flags.js';
import * as sys from '../client/sys-api.js';
import { UsageError, argCountProblem, attempt, defineCommand, defineGroup } from '../command.js';
import { outputSecretOrField } from '../output/format.js';
import { outputFlags } from '../output/output-flags.js';

/** `token` (the group). */
export const tokenCommand = defineGroup(
  'token',
  'Interact with tokens',
  `Usage: tresor token <subcommand> [options] [args]

  This command groups subcommands for interacting with tokens. Users can
  create, lookup, renew, and revoke tokens.

      $ tresor token create -policy=my-policy -ttl=1h`,
);

/** `token create`. */
export const tokenCreateCommand = defineCommand({
  name: 'token create',
  synopsis: 'Create a new token',
  help: `Usage: tresor token create [options]

  Creates a new token that can be used for authentication. This token will be
  created as a child of the currently authenticated token. The generated token
  will inherit all policies and permissions of the currently authenticated
  token unless you explicitly define a subset list policies to assign to the
  token.

      $ tresor token create -policy=foo -policy=bar -ttl=30m`,
  flags: [
    HTTP_FLAGS,
    outputFlags({ field: true }),
    {
      title: 'Command Options',
      flags: [
        {
          name: 'id',
          kind: 'string',
          usage:
            'Value for the token. By default, this is an auto-generated string. Specifying this value requires sudo permissions.',
        },
        {
          name: 'display-name',
          kind: 'string',
          usage:
            'Name to associate with this token. This is a non-sensitive value that can be used to help identify created secrets (e.g. prefixes).',
        },
        {
          name: 'ttl',
          kind: 'duration',
          usage:
            'Initial TTL to associate with the token. Token renewals may be able to extend beyond this value, depending on the configured maximum TTLs. This is specified as a numeric string with suffix like "30s" or "5m".',
        },
        {
          name: 'explicit-max-ttl',
          kind: 'duration',
          usage:
            'Explicit maximum lifetime for the token. Unlike normal TTLs, the maximum TTL is a hard limit and cannot be exceeded. This is specified as a numeric string with suffix like "30s" or "5m".',
        },
        {
          name: 'period',
          kind: 'duration',
          usage:
            'If specified, every renewal will use the given period. Periodic tokens do not expire (unless -explicit-max-ttl is also provided). Setting this value requires sudo permissions. This is specified as a numeric string with suffix like "30s" or "5m".',
        },
        {
          name: 'renewable',
          kind: 'bool',
          default: true,
          usage: "Allow the token to be renewed up to it's maximum TTL.",
        },
        {
          name: 'orphan',
          kind: 'bool',
          usage:
            'Create the token with no parent. This prevents the token from being revoked when the token which created it expires. Setting this value requires root or sudo permissions.',
        },
        {
          name: 'no-default-policy',
          kind: 'bool',
          usage: 'Detach the "default" policy from the policy set for this token.',
        },
        {
          name: 'use-limit',
          kind: 'int',
          aliases: ['num-uses'],
          usage:
            'Number of times this token can be used. After the last use, the token is automatically revoked. By default, tokens can be used an unlimited number of times until their expiration.',
        },
        {
          name: 'role',
          kind: 'string',
          usage:
            'Name of the role to create the token against. Specifying -role may override other arguments. The locally authenticated Vault token must have permission for "auth/token/create/<role>".',
        },
        {
          name: 'type',
          kind: 'string',
          default: 'service',
          usage: 'The type of token to create. Can be "service" or "batch".',
        },
        {
          name: 'policy',
          kind: 'strings',
          usage:
            'Name of a policy to associate with this token. This can be specified multiple times to attach multiple policies.',
        },
        {
          name: 'metadata',
          kind: 'map',
          usage:
            'Arbitrary key=value metadata to associate with the token. This metadata will show in the audit log when the token is used. This can be specified multiple times to add multiple pieces of metadata.',
        },
        {
          name: 'entity-alias',
          kind: 'string',
          usage:
            'Name of the entity alias to associate with during token creation. Only works in combination with -role argument and used entity alias must be listed in allowed_entity_aliases.',
        },
      ],
    },
  ],
  args: [0, 0],
  async run({ ui, flags, client }) {
    if (flags.string('type') === 'batch' && flags.duration('period') !== 0) {
      throw new UsageError('Batch tokens cannot be periodic');
    }
    const api = client();
    const policies = flags.strings('policy');
    const metadata = flags.map('metadata');
    // Go's api.TokenCreateRequest, including its omitempty rules.
    const body: Record<string, unknown> = {};
    if (flags.string('id') !== '') body.id = flags.string('id');
    if (policies.length > 0) body.policies = policies;
    if (Object.keys(metadata).length > 0) body.meta = metadata;
    body.ttl = goDuration(flags.duration('ttl'));
    body.explicit_max_ttl = goDuration(flags.duration('explicit-max-ttl'));
    body.period = goDuration(flags.duration('period'));
    if (flags.bool('orphan')) body.no_parent = true;
    if (flags.bool('no-default-policy')) body.no_default_policy = true;
    body.display_name = flags.string('display-name');
    body.num_uses = flags.int('use-limit');
    body.renewable = flags.bool('renewable');
    body.type = flags.string('type');
    body.entity_alias = flags.string('entity-alias');
    const secret = await attempt('Error creating token', () =>
      sys.createToken(api, body, flags.string('role')),
    );
    return outputSecretOrField(ui, secret, flags.string('field'));
  },
});

/** `token lookup [-accessor] [TOKEN]`. */
export const tokenLookupCommand = defineCommand({
  name: 'token lookup',
  synopsis: 'Display information about a token',
  help: `Usage: tresor token lookup [options] [TOKEN | ACCESSOR]

  Displays information about a token or accessor. If a TOKEN is not provided,
  the locally authenticated token is used.

      $ tresor token lookup
      $ tresor token lookup -accessor 9793c9b3-e04a-46f3-e7b8-748d7da248da`,
  flags: [
    HTTP_FLAGS,
    outputFlags(),
    {
      title: 'Command Options',
      flags: [
        {
          name: 'accessor',
          kind: 'bool',
          usage:
            'Treat the argument as an accessor instead of a token. When this option is selected, the output will NOT include the token.',
        },
      ],
    },
  ],
  args: (args, flags) => argCountProblem(args, flags.bool('accessor') ? 1 : 0, 1),
  async run({ flags, args, client }) {
    const api = client();
    const token = (args[0] ?? '').trim();
    return attempt('Error looking up token', () =>
      token === ''
        ? sys.lookupSelf(api)
        : flags.bool('accessor')
          ? sys.lookupAccessor(api, token)
          : sys.lookupToken(api, token),
    );
  },
});
