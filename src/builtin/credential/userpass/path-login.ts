import type { LogicalRequest, LogicalResponse } from '../../../logical/types.js';
import type { PathSpec } from '../../../framework/backend.js';
import { segment } from '../../../framework/backend.js';
import type { FieldData } from '../../../framework/field-data.js';
import { InvalidRequestError, LoginFailedError } from '../../../helper/errors.js';
import { ipInCidrs } from '../../../helper/cidr.js';
import { authDisplayName, tokenAuth } from '../token-fields.js';
import { dummyHash, verifyPassword } from './password-hash.js';
import { normalizeUsername, readUser } from './user-store.js';

const INVALID = 'invalid username or password';

/** The username a login request is for (lowercased), or undefined when it is not a login. */
export function loginUsername(path: string): string | undefined {
  const m = /^login\/([^/]+)$/.exec(path);
  return m?.[1] === undefined ? undefined : normalizeUsername(m[1]);
}

/**
 * POST login/<username> {password}. An unknown user costs the same scrypt work as a wrong
 * password (checked against a hash nothing matches), and both get the same 400 answer.
 */
async function login(req: LogicalRequest, f: FieldData): Promise<LogicalResponse> {
  const name = normalizeUsername(f.string('username'));
  const password = f.string('password');
  if (password === '') throw new InvalidRequestError('missing password');
  const user = await readUser(req.storage, name);
  const matches = await verifyPassword(password, user?.password_hash ?? dummyHash());
  if (user === undefined || !matches) throw new LoginFailedError(INVALID);
  if (user.token_bound_cidrs.length > 0 && !ipInCidrs(req.remoteAddress, user.token_bound_cidrs)) {
    throw new InvalidRequestError('login request originated from invalid CIDR');
  }
  const auth = tokenAuth(user);
  auth.metadata = { username: name };
  auth.displayName = authDisplayName(req.mountPoint, name);
  auth.internalData = { username: name };
  return { auth };
}

/** login/<username>. */
export const loginPath: PathSpec = {
  pattern: `^login/${segment('username')}$`,
  fields: {
    username: { kind: 'string', description: 'Username (case-insensitive).' },
    password: { kind: 'string', description: 'Password of the user.' },
  },
  operations: { update: login },
  synopsis: 'Log in with a username and password.',
};
