/**
 * `tresor login [TOKEN]` and `login -method=userpass username=…`: authenticates, stores the token
 * with the token helper (`~/.vault-token`, mode 0600) and prints it as vault does.
 */
import { HTTP_FLAGS } from '../client/http-flags.js';
import { tokenHelperOf } from '../client/new-client.js';
import type { Secret } from '../client/secret.js';
import { type CommandContext, CliError, PROGRAM, UsageError, attempt, defineCommand } from '../command.js';
import { outputSecret, printRawField } from '../output/format.js';
import { wrapAtLength } from '../output/go-text.js';
import { outputFlags } from '../output/output-flags.js';
import { parseArgsDataString } from './kv-args.js';
import { HANDLERS, extractToken } from './login-methods.js';
import { sanitizePath } from './paths.js';

/** `login`. */
export const loginCommand = defineCommand({
  name: 'login',
  synopsis: 'Authenticate locally',
  help: `Usage: tresor login [options] [AUTH K=V...]

  Authenticates users or machines to Vault using the provided arguments. A
  successful authentication results in a Vault token - conceptually similar to
  a session token on a website. By default, this token is cached on the local
  machine (~/.vault-token) for future requests.

  Authenticate using a token (prompted for when omitted; "-" reads stdin):

      $ tresor login 96ddf4bc-d217-f3ba-f9bd-017055595017

  Authenticate with userpass (or ldap, okta, radius), approle or cert:

      $ tresor login -method=userpass username=my-username
      $ tresor login -method=approle role_id=... secret_id=...`,
  flags: [
    HTTP_FLAGS,
    outputFlags({ field: true }),
    {
      title: 'Command Options',
      flags: [
        {
          name: 'method',
          kind: 'string',
          default: 'token',
          usage:
            'Type of authentication to use such as "userpass" or "ldap". Note this corresponds to the TYPE, not the enabled path. Use -path to specify the path where the authentication is enabled.',
        },
        {
          name: 'path',
          kind: 'string',
          usage:
            'Remote path in Vault where the auth method is enabled. This defaults to the TYPE of method (e.g. userpass -> userpass/).',
        },
        {
          name: 'no-store',
          kind: 'bool',
          usage:
            'Do not persist the token to the token helper (usually the local filesystem) after authentication for use in future requests. The token will only be displayed in the command output.',
        },
        {
          name: 'no-print',
          kind: 'bool',
          usage: 'Do not display the token. The token will still be stored to the configured token helper.',
        },
        {
          name: 'token-only',
          kind: 'bool',
          usage:
            'Output only the token with no verification. This flag is a shortcut for "-field=token -no-store". Setting those flags to other values will have no affect.',
        },
      ],
    },
  ],
  async run({ ctx, ui, flags, args: given, client, readStdin }) {
    let args = given;
    const tokenOnly = flags.bool('token-only');
    const noStore = tokenOnly || flags.bool('no-store');
    const noPrint = flags.bool('no-print');
    const field = tokenOnly ? 'token' : flags.string('field');
    if (noStore && noPrint)
      throw new UsageError(wrapAtLength('-no-store and -no-print cannot be used together'));
    const method = sanitizePath(flags.string('method')) || 'token';
    const handler = HANDLERS[method];
    if (handler === undefined) {
      throw new UsageError(
        wrapAtLength(
          `Unknown auth method: ${method}. Use "${PROGRAM} auth list" to see the complete list of auth methods. ` +
            'Additionally, some auth methods are only available via the HTTP API.',
        ),
      );
    }
    if (method === 'token' && args.length > 0 && !(args[0] ?? '').includes('=')) {
      args = [`token=${args[0] ?? ''}`, ...args.slice(1)];
    }
    const config = await attempt(
      'Error parsing configuration',
      () => parseArgsDataString(args, readStdin),
      1,
    );
    if ((config.mount ?? '') === '') config.mount = flags.string('path') || method;
    const api = client();
    if (method !== 'token') api.clearToken();
    const { secret, wrapped } = await attempt('Error authenticating', async () =>
      extractToken(api, await handler(ctx, api, config), !noStore),
    );
    if (wrapped) return tokenOnly ? printRawField(ui, secret, 'wrapping_token') : secret;
    return finishLogin(ctx, secret, { noStore, noPrint, tokenOnly, field });
  },
});

function finishLogin(
  ctx: CommandContext,
  secret: Secret,
  opts: { noStore: boolean; noPrint: boolean; tokenOnly: boolean; field: string },
): number {
  const token = secret.auth?.client_token ?? '';
  if (!opts.noStore) {
    try {
      tokenHelperOf(ctx).store(token);
    } catch (err) {
      throw new CliError(
        `Error storing token: ${(err as Error).message}\n` +
          `${wrapAtLength('Authentication was successful, but the token was not persisted. The resulting token is shown below for your records.')}\n`,
        2,
        secret,
      );
    }
    if ((ctx.io.env.VAULT_TOKEN ?? '') !== '') {
      ctx.ui.warn(
        `${wrapAtLength('WARNING! The VAULT_TOKEN environment variable is set! The value of this variable will take precedence; if this is unwanted please unset VAULT_TOKEN or update its value accordingly.')}\n`,
      );
    }
  } else if (!opts.tokenOnly) {
    ctx.ui.warn(
      `${wrapAtLength('The token was not stored in token helper. Set the VAULT_TOKEN environment variable or pass the token below with each request to Vault.')}\n`,
    );
  }
  if (opts.noPrint) return 0;
  if (opts.field !== '') return printRawField(ctx.ui, secret, opts.field);
  if (ctx.ui.format === 'table') {
    ctx.ui.output(
      `${wrapAtLength(`Success! You are now authenticated. The token information displayed below is already stored in the token helper. You do NOT need to run "${PROGRAM} login" again. Future Vault requests will automatically use this token.`)}\n`,
    );
  }
  return outputSecret(ctx.ui, secret);
}
