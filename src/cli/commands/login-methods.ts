/**
 * The login methods of `tresor login -method=…`: token (validated with lookup-self), userpass,
 * ldap, okta and radius (`auth/<path>/login/<username>`), approle and cert (`auth/<path>/login`).
 */
import { parseGoBool } from '../../helper/go/parse-bool.js';
import type { ApiClient } from '../client/api-client.js';
import { type Secret, emptySecret, unwrapSecret, writeSecret } from '../client/secret.js';
import { lookupSelf } from '../client/sys-api.js';
import type { CommandContext } from '../command-context.js';
import { readSecret as promptSecret } from '../output/io.js';
import { sanitizePath } from './paths.js';

/** How one auth method turns `key=value` arguments into a login. */
export type LoginHandler = (
  ctx: CommandContext,
  client: ApiClient,
  config: Record<string, string>,
) => Promise<Secret | null>;

const mountOf = (config: Record<string, string>, fallback: string): string =>
  sanitizePath(config.mount ?? fallback) || fallback;

async function tokenLogin(
  ctx: CommandContext,
  client: ApiClient,
  config: Record<string, string>,
): Promise<Secret> {
  let lookup = true;
  if (config.lookup !== undefined) {
    const parsed = parseGoBool(config.lookup);
    if (parsed === undefined) throw new Error(`Failed to parse "lookup" as boolean: invalid syntax`);
    lookup = parsed;
  }
  let token = config.token;
  if (token === undefined) {
    try {
      token = await promptSecret(ctx.io, 'Token (will be hidden): ', ctx.io.stderr);
    } catch (err) {
      throw new Error(
        'An error occurred attempting to ask for a token. The raw error message is shown below, but usually ' +
          'this is because you attempted to pipe a value into the command or you are executing outside of a ' +
          `terminal (tty). If you want to pipe the value, pass "-" as the argument to read from stdin. The raw error was: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
  token = token.trim();
  if (token === '')
    throw new Error('A token must be passed to auth. Please view the help for more information.');
  const secret = emptySecret();
  if (!lookup) {
    secret.auth = { ...blankAuth(), client_token: token };
    return secret;
  }
  client.setToken(token);
  let looked: Secret;
  try {
    looked = await lookupSelf(client);
  } catch (err) {
    throw new Error(`error looking up token: ${(err as Error).message}`, { cause: err });
  }
  const d = looked.data ?? {};
  const list = (v: unknown): string[] | null => (Array.isArray(v) ? v.map(String) : null);
  const tokenPolicies = list(d.policies);
  const identityPolicies = list(d.identity_policies);
  const policies =
    tokenPolicies === null && identityPolicies === null
      ? null
      : [...(tokenPolicies ?? []), ...(identityPolicies ?? [])];
  secret.auth = {
    ...blankAuth(),
    client_token: typeof d.id === 'string' ? d.id : token,
    accessor: typeof d.accessor === 'string' ? d.accessor : '',
    policies,
    token_policies: tokenPolicies,
    identity_policies: identityPolicies,
    lease_duration: typeof d.ttl === 'number' ? d.ttl : 0,
    renewable: d.renewable === true,
  };
  return secret;
}

function blankAuth(): NonNullable<Secret['auth']> {
  return {
    client_token: '',
    accessor: '',
    policies: null,
    token_policies: null,
    identity_policies: null,
    metadata: null,
    orphan: false,
    entity_id: '',
    lease_duration: 0,
    renewable: false,
    mfa_requirement: null,
  };
}

function passwordLogin(defaultMount: string): LoginHandler {
  return async (ctx, client, config) => {
    const username = config.username ?? '';
    if (username === '') throw new Error("'username' must be specified");
    let password = config.password ?? '';
    if (password === '') password = await promptSecret(ctx.io, 'Password (will be hidden): ', ctx.io.stderr);
    const body: Record<string, string> = { password };
    if ((config.passcode ?? '') !== '') body.passcode = config.passcode ?? '';
    const secret = await writeSecret(
      client,
      'PUT',
      `auth/${mountOf(config, defaultMount)}/login/${username}`,
      body,
    );
    if (secret === null) throw new Error('empty response from credential provider');
    return secret;
  };
}

function bodyLogin(defaultMount: string): LoginHandler {
  return async (_ctx, client, config) => {
    const body = { ...config };
    delete body.mount;
    const secret = await writeSecret(client, 'PUT', `auth/${mountOf(config, defaultMount)}/login`, body);
    if (secret === null) throw new Error('empty response from credential provider');
    return secret;
  };
}

/** The login handlers by method name. */
export const HANDLERS: Readonly<Record<string, LoginHandler>> = {
  token: tokenLogin,
  userpass: passwordLogin('userpass'),
  ldap: passwordLogin('ldap'),
  okta: passwordLogin('okta'),
  radius: passwordLogin('radius'),
  approle: bodyLogin('approle'),
  cert: bodyLogin('cert'),
};

/** vault's extractToken: the auth of a login response, unwrapping a wrapped one when asked. */
export async function extractToken(
  client: ApiClient,
  secret: Secret | null,
  unwrap: boolean,
): Promise<{ secret: Secret; wrapped: boolean }> {
  if (secret === null) throw new Error('empty response from auth helper');
  if (secret.auth !== null) return { secret, wrapped: false };
  if (secret.wrap_info !== null) {
    if (secret.wrap_info.wrapped_accessor === '')
      throw new Error('wrapped response does not contain a token');
    if (!unwrap) return { secret, wrapped: true };
    client.setToken(secret.wrap_info.token);
    return extractToken(client, await unwrapSecret(client, ''), unwrap);
  }
  throw new Error('no auth or wrapping info in response');
}
