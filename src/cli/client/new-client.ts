/**
 * vault's BaseCommand.Client(): the client configuration from the environment and the HTTP flags
 * (http-flags.ts), and the token from VAULT_TOKEN or the token helper.
 */
import { goDuration } from '../../helper/go/duration.js';
import type { FlagValues } from '../../helper/go/flags.js';
import type { CommandContext } from '../command-context.js';
import { ApiClient } from './api-client.js';
import { type ClientOverrides, ClientConfigError, readClientConfig } from './client-config.js';
import { type TokenHelper, defaultTokenHelper } from './token-helper.js';

/** The user's token helper. */
export function tokenHelperOf(ctx: CommandContext): TokenHelper {
  return ctx.tokenHelper !== undefined ? ctx.tokenHelper() : defaultTokenHelper(ctx.io.env);
}

/** Builds the API client; a ClientConfigError says why it cannot be built. */
export function newClient(ctx: CommandContext, flags: FlagValues): ApiClient {
  const headers = flags.map('header');
  const forbidden = Object.keys(headers).filter((h) => h.startsWith('X-Vault-'));
  if (forbidden.length > 0) {
    throw new ClientConfigError(
      `failed to setup Headers[${forbidden.join(', ')}]: Header starting by 'X-Vault-' are for internal usage only`,
    );
  }
  const namespace = flags.string('namespace');
  const overrides: ClientOverrides = {
    address: flags.string('address'),
    agentAddress: flags.string('agent-address'),
    tls: {
      caCert: flags.string('ca-cert'),
      caPath: flags.string('ca-path'),
      clientCert: flags.string('client-cert'),
      clientKey: flags.string('client-key'),
      serverName: flags.string('tls-server-name'),
      skipVerify: flags.bool('tls-skip-verify'),
    },
    namespace: namespace === '' ? '' : `${namespace.replace(/^\/+|\/+$/g, '')}/`,
    wrapTtl:
      flags.isSet('wrap-ttl') && flags.duration('wrap-ttl') !== 0
        ? goDuration(flags.duration('wrap-ttl'))
        : '',
    headers,
    disableRedirects: flags.bool('disable-redirects'),
  };
  const config = readClientConfig(ctx.io.env, overrides);
  let token = ctx.io.env.VAULT_TOKEN ?? '';
  if (token === '') {
    let helper: TokenHelper;
    try {
      helper = tokenHelperOf(ctx);
    } catch (err) {
      throw new ClientConfigError(`failed to get token helper: ${(err as Error).message}`);
    }
    try {
      token = helper.get();
    } catch (err) {
      throw new ClientConfigError(`failed to get token from token helper: ${(err as Error).message}`);
    }
  }
  return new ApiClient(config, token);
}
