/**
 * The sys/ and auth/token/ calls the CLI makes, shaped as the Go client's Sys() and
 * Auth().Token() methods shape them (request bodies included, since servers see them).
 */
import { type ApiClient, responseError } from './api-client.js';
import { type Secret, isObject, parseSecret, readSecret, writeSecret } from './secret.js';

function parseJson(body: string): Record<string, unknown> {
  const parsed = JSON.parse(body) as unknown;
  if (!isObject(parsed)) throw new Error('unexpected response: not a JSON object');
  return parsed;
}

async function getJson(
  client: ApiClient,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await client.request({ method, path, body });
  return parseJson(response.body);
}

/** GET sys/seal-status. */
export function sealStatus(client: ApiClient): Promise<Record<string, unknown>> {
  return getJson(client, 'GET', 'sys/seal-status');
}

/** PUT sys/unseal with UnsealOpts (`{"key": …, "reset": …, "migrate": …}`). */
export function unseal(
  client: ApiClient,
  opts: { key: string; reset: boolean; migrate: boolean },
): Promise<Record<string, unknown>> {
  return getJson(client, 'PUT', 'sys/unseal', opts);
}

/** GET sys/leader. */
export function leader(client: ApiClient): Promise<Record<string, unknown>> {
  return getJson(client, 'GET', 'sys/leader');
}

/** GET sys/init → initialized. */
export async function initStatus(client: ApiClient): Promise<boolean> {
  return (await getJson(client, 'GET', 'sys/init')).initialized === true;
}

/** Go's api.InitRequest, in field order. */
export interface InitRequest {
  secret_shares: number;
  secret_threshold: number;
  stored_shares: number;
  pgp_keys: string[] | null;
  recovery_shares: number;
  recovery_threshold: number;
  recovery_pgp_keys: string[] | null;
  root_token_pgp_key: string;
}

/** PUT sys/init. */
export function init(client: ApiClient, req: InitRequest): Promise<Record<string, unknown>> {
  return getJson(client, 'PUT', 'sys/init', req);
}

/** A call whose response body is ignored (seal, step-down, rotate, policy writes…). */
async function call(client: ApiClient, method: string, path: string, body?: unknown): Promise<void> {
  await client.request({ method, path, body });
}

/** PUT sys/seal. */
export const seal = (client: ApiClient): Promise<void> => call(client, 'PUT', 'sys/seal');
/** PUT sys/step-down. */
export const stepDown = (client: ApiClient): Promise<void> => call(client, 'PUT', 'sys/step-down');
/** POST sys/rotate. */
export const rotate = (client: ApiClient): Promise<void> => call(client, 'POST', 'sys/rotate');

/** GET sys/key-status → `{term, install_time, encryptions}` (from data, or the raw body). */
export async function keyStatus(client: ApiClient): Promise<Record<string, unknown>> {
  const response = await client.request({ method: 'GET', path: 'sys/key-status' });
  const secret = parseSecret(response.body);
  if (secret?.data === null || secret === null) throw new Error('data from server response is empty');
  return secret.data;
}

/** The data of a GET, or an error when the server sent none. */
async function dataOf(client: ApiClient, path: string): Promise<Record<string, unknown>> {
  const response = await client.request({ method: 'GET', path });
  const secret = parseSecret(response.body);
  if (secret?.data === null || secret === null) throw new Error('data from server response is empty');
  return secret.data;
}

/** GET sys/mounts → path → mount. */
export const listMounts = (client: ApiClient): Promise<Record<string, unknown>> =>
  dataOf(client, 'sys/mounts');
/** GET sys/auth → path → auth mount. */
export const listAuth = (client: ApiClient): Promise<Record<string, unknown>> => dataOf(client, 'sys/auth');

/** POST sys/mounts/<path>. */
export const mount = (client: ApiClient, path: string, input: unknown): Promise<void> =>
  call(client, 'POST', `sys/mounts/${path}`, input);
/** DELETE sys/mounts/<path>. */
export const unmount = (client: ApiClient, path: string): Promise<void> =>
  call(client, 'DELETE', `sys/mounts/${path}`);
/** POST sys/mounts/<path>/tune. */
export const tuneMount = (client: ApiClient, path: string, input: unknown): Promise<void> =>
  call(client, 'POST', `sys/mounts/${path}/tune`, input);
/** POST sys/auth/<path>. */
export const enableAuth = (client: ApiClient, path: string, input: unknown): Promise<void> =>
  call(client, 'POST', `sys/auth/${path}`, input);
/** DELETE sys/auth/<path>. */
export const disableAuth = (client: ApiClient, path: string): Promise<void> =>
  call(client, 'DELETE', `sys/auth/${path}`);

/** POST sys/remount → the migration id (empty from servers that move synchronously). */
export async function remount(client: ApiClient, from: string, to: string): Promise<string> {
  const response = await client.request({ method: 'POST', path: 'sys/remount', body: { from, to } });
  const secret = parseSecret(response.body);
  const id = secret?.data?.migration_id;
  return typeof id === 'string' ? id : '';
}

/** LIST sys/policies/acl → names. */
export async function listPolicies(client: ApiClient): Promise<string[]> {
  const secret = await readSecret(client, 'LIST', 'sys/policies/acl');
  const keys = secret?.data?.keys;
  return Array.isArray(keys) ? keys.map(String) : [];
}

/** GET sys/policies/acl/<name> → the policy text, "" when there is no such policy. */
export async function getPolicy(client: ApiClient, name: string): Promise<string> {
  const response = await client.rawRequest({ method: 'GET', path: `sys/policies/acl/${name}` });
  if (response.status === 404) return '';
  const error = responseError(response);
  if (error !== undefined) throw error;
  const secret = parseSecret(response.body);
  if (secret?.data === null || secret === null) throw new Error('data from server response is empty');
  const policy = secret.data.policy;
  if (typeof policy !== 'string') throw new Error('no policy found in response');
  return policy;
}

/** PUT sys/policies/acl/<name> {policy}. */
export const putPolicy = (client: ApiClient, name: string, policy: string): Promise<void> =>
  call(client, 'PUT', `sys/policies/acl/${name}`, { policy });
/** DELETE sys/policies/acl/<name>. */
export const deletePolicy = (client: ApiClient, name: string): Promise<void> =>
  call(client, 'DELETE', `sys/policies/acl/${name}`);

/** A token call that returns a secret. */
async function tokenCall(
  client: ApiClient,
  method: 'PUT' | 'POST',
  path: string,
  body?: unknown,
): Promise<Secret> {
  const secret = await writeSecret(client, method, path, body);
  if (secret === null) throw new Error('empty response from server');
  return secret;
}

/** POST auth/token/create[/<role>] with Go's TokenCreateRequest body. */
export const createToken = (client: ApiClient, body: unknown, role: string): Promise<Secret> =>
  tokenCall(client, 'POST', role === '' ? 'auth/token/create' : `auth/token/create/${role}`, body);

/** GET auth/token/lookup-self. */
export async function lookupSelf(client: ApiClient): Promise<Secret> {
  const response = await client.request({ method: 'GET', path: 'auth/token/lookup-self' });
  const secret = parseSecret(response.body);
  if (secret === null) throw new Error('empty response from server');
  return secret;
}

/** POST auth/token/lookup {token}. */
export const lookupToken = (client: ApiClient, token: string): Promise<Secret> =>
  tokenCall(client, 'POST', 'auth/token/lookup', { token });
/** POST auth/token/lookup-accessor {accessor}. */
export const lookupAccessor = (client: ApiClient, accessor: string): Promise<Secret> =>
  tokenCall(client, 'POST', 'auth/token/lookup-accessor', { accessor });
/** PUT auth/token/renew-self {increment}. */
export const renewSelf = (client: ApiClient, increment: number): Promise<Secret> =>
  tokenCall(client, 'PUT', 'auth/token/renew-self', { increment });
/** PUT auth/token/renew {token, increment}. */
export const renewToken = (client: ApiClient, token: string, increment: number): Promise<Secret> =>
  tokenCall(client, 'PUT', 'auth/token/renew', { token, increment });

/** The revocation calls behind `token revoke` and its -self, -accessor and -mode flags. */
export const revoke = {
  self: (client: ApiClient): Promise<void> => call(client, 'PUT', 'auth/token/revoke-self'),
  tree: (client: ApiClient, token: string): Promise<void> =>
    call(client, 'PUT', 'auth/token/revoke', { token }),
  orphan: (client: ApiClient, token: string): Promise<void> =>
    call(client, 'PUT', 'auth/token/revoke-orphan', { token }),
  accessor: (client: ApiClient, accessor: string): Promise<void> =>
    call(client, 'POST', 'auth/token/revoke-accessor', { accessor }),
  prefix: (client: ApiClient, prefix: string): Promise<void> =>
    call(client, 'PUT', `sys/leases/revoke-prefix/${prefix}`),
};

/** POST sys/capabilities[-self] {token, path} → the capabilities on that path. */
export async function capabilities(client: ApiClient, token: string, path: string): Promise<string[] | null> {
  const self = token === client.token;
  const response = await client.request({
    method: 'POST',
    path: self ? 'sys/capabilities-self' : 'sys/capabilities',
    body: { token, path },
  });
  const secret = parseSecret(response.body);
  if (secret?.data === null || secret === null) throw new Error('data from server response is empty');
  let caps = secret.data[path];
  if (!Array.isArray(caps) || caps.length === 0) caps = secret.data.capabilities;
  return Array.isArray(caps) ? caps.map(String) : null;
}
