import type { LogicalRequest, LogicalResponse } from '../../../logical/types.js';
import type { PathSpec } from '../../../framework/backend.js';
import { segment } from '../../../framework/backend.js';
import type { FieldData } from '../../../framework/field-data.js';
import { listResponse } from '../../../framework/list-response.js';
import { InvalidRequestError } from '../../../helper/errors.js';
import {
  defaultTokenParams,
  normalizePolicies,
  parseTokenFields,
  TOKEN_FIELDS,
  tokenParamsData,
} from '../token-fields.js';
import { hashPassword } from './password-hash.js';
import type { UserEntry } from './user-store.js';
import {
  assertValidUsername,
  deleteUser,
  listUsers,
  normalizeUsername,
  readUser,
  writeUser,
} from './user-store.js';

const usernameField = { username: { kind: 'string', description: 'Username (case-insensitive).' } } as const;
const passwordField = { password: { kind: 'string', description: 'Password of the user.' } } as const;

/** The username of the request, lowercased and validated. */
function username(f: FieldData): string {
  const name = normalizeUsername(f.string('username'));
  assertValidUsername(name);
  return name;
}

/** The password the client sent; "" is refused as Vault does. */
function newPassword(f: FieldData): string {
  const password = f.string('password');
  if (password === '') throw new InvalidRequestError('missing password');
  return password;
}

async function existingUser(req: LogicalRequest, f: FieldData): Promise<{ name: string; user: UserEntry }> {
  const name = username(f);
  const user = await readUser(req.storage, name);
  if (user === undefined) throw new InvalidRequestError('username does not exist');
  return { name, user };
}

async function list(req: LogicalRequest): Promise<LogicalResponse | undefined> {
  return listResponse(await listUsers(req.storage));
}

async function read(req: LogicalRequest, f: FieldData): Promise<LogicalResponse | undefined> {
  const user = await readUser(req.storage, username(f));
  if (user === undefined) return undefined;
  const data = tokenParamsData(user);
  // the pre-token_* names, for older clients
  if (user.token_policies.length > 0) data.policies = [...user.token_policies];
  if (user.token_ttl > 0) data.ttl = user.token_ttl;
  if (user.token_max_ttl > 0) data.max_ttl = user.token_max_ttl;
  if (user.token_bound_cidrs.length > 0) data.bound_cidrs = [...user.token_bound_cidrs];
  return { data };
}

async function write(req: LogicalRequest, f: FieldData): Promise<undefined> {
  const name = username(f);
  const existing = await readUser(req.storage, name);
  if (existing === undefined && !f.has('password')) throw new InvalidRequestError('missing password');
  const token = parseTokenFields(f, existing ?? defaultTokenParams());
  const passwordHash = f.has('password') ? await hashPassword(newPassword(f)) : existing?.password_hash;
  if (passwordHash === undefined) throw new InvalidRequestError('missing password');
  await writeUser(req.storage, name, { ...token, password_hash: passwordHash });
  return undefined;
}

async function remove(req: LogicalRequest, f: FieldData): Promise<undefined> {
  await deleteUser(req.storage, username(f));
  return undefined;
}

async function updatePassword(req: LogicalRequest, f: FieldData): Promise<undefined> {
  const { name, user } = await existingUser(req, f);
  const passwordHash = await hashPassword(newPassword(f));
  await writeUser(req.storage, name, { ...user, password_hash: passwordHash });
  return undefined;
}

async function updatePolicies(req: LogicalRequest, f: FieldData): Promise<undefined> {
  const { name, user } = await existingUser(req, f);
  const sent = f.has('token_policies')
    ? f.strings('token_policies')
    : f.has('policies')
      ? f.strings('policies')
      : undefined;
  if (sent === undefined) throw new InvalidRequestError('missing token_policies');
  await writeUser(req.storage, name, { ...user, token_policies: normalizePolicies(sent) });
  return undefined;
}

/** users/, users/<name>, users/<name>/password, users/<name>/policies. */
export const userPaths: readonly PathSpec[] = [
  { pattern: '^users/?$', fields: {}, operations: { list }, synopsis: 'List the users.' },
  {
    pattern: `^users/${segment('username')}$`,
    fields: { ...usernameField, ...passwordField, ...TOKEN_FIELDS },
    operations: { read, create: write, update: write, delete: remove },
    existenceCheck: async (req, f) =>
      (await readUser(req.storage, normalizeUsername(f.string('username')))) !== undefined,
    synopsis: 'Manage a user: password and token settings.',
  },
  {
    pattern: `^users/${segment('username')}/password$`,
    fields: { ...usernameField, ...passwordField },
    operations: { update: updatePassword },
    synopsis: "Reset a user's password.",
  },
  {
    pattern: `^users/${segment('username')}/policies$`,
    fields: {
      ...usernameField,
      token_policies: TOKEN_FIELDS.token_policies,
      policies: TOKEN_FIELDS.policies,
    },
    operations: { update: updatePolicies },
    synopsis: "Replace a user's token policies.",
  },
];
