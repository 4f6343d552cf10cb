/**
 * The Go client's Secret (the response envelope) and its Logical() operations, with the same
 * handling of 404s: a read or list that finds nothing is `null`, unless the 404 carries data or
 * warnings (a deleted KV v2 version, a v1 path on a v2 mount).
 */
import { type ApiClient, type ApiResponse, responseError } from './api-client.js';
import { GoStruct, omitEmpty } from '../output/go-json.js';

/** `auth` of a response (Go's SecretAuth). */
export interface SecretAuth {
  client_token: string;
  accessor: string;
  policies: string[] | null;
  token_policies: string[] | null;
  identity_policies: string[] | null;
  metadata: Record<string, string> | null;
  orphan: boolean;
  entity_id: string;
  lease_duration: number;
  renewable: boolean;
  mfa_requirement: unknown;
}

/** `wrap_info` of a response (Go's SecretWrapInfo). */
export interface SecretWrapInfo {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor: string;
}

/** A response envelope as the Go client decodes it. */
export interface Secret {
  request_id: string;
  lease_id: string;
  lease_duration: number;
  renewable: boolean;
  data: Record<string, unknown> | null;
  warnings: string[] | null;
  auth: SecretAuth | null;
  wrap_info: SecretWrapInfo | null;
  mount_type: string;
}

/** Whether a value is a JSON object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const bool = (v: unknown): boolean => v === true;
const strList = (v: unknown): string[] | null =>
  Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : String(x))) : null;

function strMap(v: unknown): Record<string, string> | null {
  if (!isObject(v)) return null;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) out[k] = typeof x === 'string' ? x : '';
  return out;
}

/** An empty secret (what the Go client builds for synthesised responses such as token login). */
export function emptySecret(): Secret {
  return {
    request_id: '',
    lease_id: '',
    lease_duration: 0,
    renewable: false,
    data: null,
    warnings: null,
    auth: null,
    wrap_info: null,
    mount_type: '',
  };
}

/** Decodes an `auth` object. */
export function toSecretAuth(a: Record<string, unknown>): SecretAuth {
  return {
    client_token: str(a.client_token),
    accessor: str(a.accessor),
    policies: strList(a.policies),
    token_policies: strList(a.token_policies),
    identity_policies: strList(a.identity_policies),
    metadata: strMap(a.metadata),
    orphan: bool(a.orphan),
    entity_id: str(a.entity_id),
    lease_duration: num(a.lease_duration),
    renewable: bool(a.renewable),
    mfa_requirement: a.mfa_requirement ?? null,
  };
}

/**
 * api.ParseSecret: an empty body is null; a body with none of the envelope's fields is taken as
 * the data itself (e.g. `read sys/health`); a body holding only `errors` is null.
 */
export function parseSecret(body: string): Secret | null {
  if (body.trim() === '') return null;
  const parsed = JSON.parse(body) as unknown;
  if (!isObject(parsed))
    throw new Error('json: cannot unmarshal non-object into Go value of type api.Secret');
  const w = parsed.wrap_info;
  const secret: Secret = {
    request_id: str(parsed.request_id),
    lease_id: str(parsed.lease_id),
    lease_duration: num(parsed.lease_duration),
    renewable: bool(parsed.renewable),
    data: isObject(parsed.data) ? parsed.data : null,
    warnings: strList(parsed.warnings),
    auth: isObject(parsed.auth) ? toSecretAuth(parsed.auth) : null,
    wrap_info: isObject(w)
      ? {
          token: str(w.token),
          accessor: str(w.accessor),
          ttl: num(w.ttl),
          creation_time: str(w.creation_time),
          creation_path: str(w.creation_path),
          wrapped_accessor: str(w.wrapped_accessor),
        }
      : null,
    mount_type: str(parsed.mount_type),
  };
  const zero =
    secret.request_id === '' &&
    secret.lease_id === '' &&
    secret.lease_duration === 0 &&
    !secret.renewable &&
    secret.data === null &&
    secret.warnings === null &&
    secret.auth === null &&
    secret.wrap_info === null &&
    secret.mount_type === '';
  if (zero) {
    const keys = Object.keys(parsed);
    if (keys.length === 1 && 'errors' in parsed) return null;
    if ('errors' in parsed) {
      const errors = strList(parsed.errors) ?? [];
      throw new Error(errors.join(' '));
    }
    if (keys.length > 0) secret.data = parsed;
  }
  return secret;
}

/** The secret as Go's json.MarshalIndent prints it (struct field order, omitempty). */
export function secretStruct(secret: Secret): GoStruct {
  const a = secret.auth;
  const w = secret.wrap_info;
  return new GoStruct([
    ['request_id', secret.request_id],
    ['lease_id', secret.lease_id],
    ['lease_duration', secret.lease_duration],
    ['renewable', secret.renewable],
    ['data', secret.data],
    ['warnings', secret.warnings],
    [
      'auth',
      a === null
        ? undefined
        : new GoStruct([
            ['client_token', a.client_token],
            ['accessor', a.accessor],
            ['policies', a.policies],
            ['token_policies', a.token_policies],
            ['identity_policies', a.identity_policies],
            ['metadata', a.metadata],
            ['orphan', a.orphan],
            ['entity_id', a.entity_id],
            ['lease_duration', a.lease_duration],
            ['renewable', a.renewable],
            ['mfa_requirement', a.mfa_requirement],
          ]),
    ],
    [
      'wrap_info',
      w === null
        ? undefined
        : new GoStruct([
            ['token', w.token],
            ['accessor', w.accessor],
            ['ttl', w.ttl],
            ['creation_time', w.creation_time === '' ? '0001-01-01T00:00:00Z' : w.creation_time],
            ['creation_path', w.creation_path],
            ['wrapped_accessor', w.wrapped_accessor],
          ]),
    ],
    ['mount_type', omitEmpty(secret.mount_type)],
  ]);
}

/** A write/delete that failed but whose 404 response still carried a secret worth printing. */
export class SecretResponseError extends Error {
  constructor(
    message: string,
    readonly secret: Secret | null,
  ) {
    super(message);
  }
}

function hasContent(secret: Secret | null): secret is Secret {
  return secret !== null && ((secret.warnings?.length ?? 0) > 0 || Object.keys(secret.data ?? {}).length > 0);
}

/** Logical().Read / List: GET (or LIST), null when nothing is there. */
export async function readSecret(
  client: ApiClient,
  method: 'GET' | 'LIST',
  path: string,
  query: Readonly<Record<string, string | readonly string[]>> = {},
): Promise<Secret | null> {
  const response = await client.rawRequest({ method, path, query });
  if (response.status === 404) {
    const secret = parseSecret(response.body);
    return hasContent(secret) ? secret : null;
  }
  const error = responseError(response);
  if (error !== undefined) throw error;
  return parseSecret(response.body);
}

/** Logical().Write / Delete / JSONMergePatch: a failing 404 with content keeps the secret on the error. */
export async function writeSecret(
  client: ApiClient,
  method: 'PUT' | 'DELETE' | 'PATCH' | 'POST',
  path: string,
  body?: unknown,
  query: Readonly<Record<string, string | readonly string[]>> = {},
): Promise<Secret | null> {
  const headers: Record<string, string> =
    method === 'PATCH' ? { 'Content-Type': 'application/merge-patch+json' } : {};
  const response: ApiResponse = await client.rawRequest({ method, path, query, body, headers });
  const error = responseError(response);
  if (response.status === 404) {
    const secret = parseSecret(response.body);
    if (hasContent(secret) && error !== undefined) throw new SecretResponseError(error.message, secret);
  }
  if (error !== undefined) throw error;
  return parseSecret(response.body);
}

/** Logical().Unwrap: the wrapping token in the body, or as the client token when there is none. */
export async function unwrapSecret(client: ApiClient, wrappingToken: string): Promise<Secret | null> {
  const token = wrappingToken.trim();
  let body: Record<string, string> | null = null;
  if (token !== '') {
    if (client.token === '') client.setToken(token);
    else if (token !== client.token) body = { token };
  }
  return readWithBody(client, body);
}

async function readWithBody(client: ApiClient, body: Record<string, string> | null): Promise<Secret | null> {
  const response = await client.rawRequest({ method: 'PUT', path: 'sys/wrapping/unwrap', body });
  if (response.status !== 404) {
    const error = responseError(response);
    if (error !== undefined) throw error;
    return parseSecret(response.body);
  }
  const secret = parseSecret(response.body);
  if (hasContent(secret)) return secret;
  const error = responseError(response);
  if (error !== undefined) throw error;
  return null;
}
