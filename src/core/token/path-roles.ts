import type { PathSpec } from '../../framework/backend.js';
import { segment } from '../../framework/backend.js';
import type { FieldData } from '../../framework/field-data.js';
import type { LogicalRequest, LogicalResponse } from '../../logical/types.js';
import { InvalidRequestError } from '../../helper/errors.js';
import type { TokenBackendDeps } from './backend-deps.js';
import { sanitizePolicies } from './child-policies.js';

/** A token role: a template for tokens created through auth/token/create/<role>. */
export interface TokenRole {
  name: string;
  allowed_policies: string[];
  disallowed_policies: string[];
  orphan: boolean;
  renewable: boolean;
  path_suffix: string;
  token_period: number;
  token_explicit_max_ttl: number;
  token_ttl: number;
  token_max_ttl: number;
  token_no_default_policy: boolean;
  token_num_uses: number;
  token_type: string;
}

export async function readRole(d: TokenBackendDeps, name: string): Promise<TokenRole | undefined> {
  const raw = await d.storage.get(`roles/${name}`);
  return raw === undefined ? undefined : (JSON.parse(raw.toString('utf8')) as TokenRole);
}

const fields = {
  role_name: { kind: 'string', description: 'Role name.' },
  allowed_policies: { kind: 'strings', description: 'Policies tokens of this role may have.' },
  disallowed_policies: { kind: 'strings', description: 'Policies tokens of this role may not have.' },
  orphan: { kind: 'bool', description: 'Tokens are orphans.' },
  renewable: { kind: 'bool', description: 'Tokens are renewable.', default: true },
  path_suffix: { kind: 'string', description: 'Suffix of the creation path.' },
  token_period: { kind: 'duration', description: 'Period of the tokens.' },
  period: { kind: 'duration', description: 'Deprecated alias of token_period.' },
  token_explicit_max_ttl: { kind: 'duration', description: 'Explicit max TTL.' },
  explicit_max_ttl: { kind: 'duration', description: 'Deprecated alias.' },
  token_ttl: { kind: 'duration', description: 'Default TTL.' },
  token_max_ttl: { kind: 'duration', description: 'Max TTL.' },
  token_no_default_policy: { kind: 'bool', description: 'Leave out the default policy.' },
  token_num_uses: { kind: 'int', description: 'Uses per token.' },
  token_type: { kind: 'string', description: 'service (batch is not supported).', default: 'service' },
} as const;

/** auth/token/roles[/<name>]. */
export function rolePaths(d: TokenBackendDeps): PathSpec[] {
  const list = async (): Promise<LogicalResponse | undefined> => {
    const keys = await d.storage.list('roles/');
    return keys.length === 0 ? undefined : { data: { keys } };
  };
  const read = async (_req: LogicalRequest, f: FieldData): Promise<LogicalResponse | undefined> => {
    const role = await readRole(d, f.string('role_name'));
    if (role === undefined) return undefined;
    return { data: { ...role, period: role.token_period, explicit_max_ttl: role.token_explicit_max_ttl } };
  };
  const write = async (_req: LogicalRequest, f: FieldData): Promise<undefined> => {
    const name = f.string('role_name');
    if (!/^[\w.-]+$/.test(name)) throw new InvalidRequestError(`invalid role name "${name}"`);
    const suffix = f.string('path_suffix');
    if (suffix.includes('..')) throw new InvalidRequestError('path_suffix must not contain ".."');
    const type = f.string('token_type');
    if (!['service', 'default-service', ''].includes(type))
      throw new InvalidRequestError(`token_type "${type}" is not supported; use "service"`);
    const role: TokenRole = {
      name,
      allowed_policies: sanitizePolicies(f.strings('allowed_policies'), false),
      disallowed_policies: sanitizePolicies(f.strings('disallowed_policies'), false),
      orphan: f.bool('orphan'),
      renewable: f.bool('renewable'),
      path_suffix: suffix,
      token_period: f.has('token_period') ? f.duration('token_period') : f.duration('period'),
      token_explicit_max_ttl: f.has('token_explicit_max_ttl')
        ? f.duration('token_explicit_max_ttl')
        : f.duration('explicit_max_ttl'),
      token_ttl: f.duration('token_ttl'),
      token_max_ttl: f.duration('token_max_ttl'),
      token_no_default_policy: f.bool('token_no_default_policy'),
      token_num_uses: f.int('token_num_uses'),
      token_type: 'service',
    };
    await d.storage.put(`roles/${name}`, Buffer.from(JSON.stringify(role), 'utf8'));
    return undefined;
  };
  const del = async (_req: LogicalRequest, f: FieldData): Promise<undefined> => {
    await d.storage.delete(`roles/${f.string('role_name')}`);
    return undefined;
  };
  return [
    { pattern: '^roles/?$', fields: {}, operations: { list }, synopsis: 'List token roles.' },
    {
      pattern: `^roles/${segment('role_name')}$`,
      fields,
      operations: { read, create: write, update: write, delete: del },
      existenceCheck: async (_req, f) => (await readRole(d, f.string('role_name'))) !== undefined,
      synopsis: 'Manage a token role.',
    },
  ];
}
