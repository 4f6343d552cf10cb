import type { LogicalRequest, LogicalResponse } from '../../../logical/types.js';
import type { PathSpec } from '../../../framework/backend.js';
import { segment } from '../../../framework/backend.js';
import type { FieldData } from '../../../framework/field-data.js';
import { listResponse } from '../../../framework/list-response.js';
import { InvalidRequestError } from '../../../helper/errors.js';
import { invalidCidrs } from '../../../helper/cidr.js';
import { defaultTokenParams, parseTokenFields, TOKEN_FIELDS, tokenParamsData } from '../token-fields.js';
import type { AppRoleContext } from './context.js';
import { roleNameOf, roleOf, secretIdScope } from './context.js';
import type { RoleEntry } from './role-store.js';
import { randomId } from './secret-id-store.js';

const roleNameField = {
  role_name: { kind: 'string', description: 'Name of the role (case-insensitive).' },
} as const;

const roleFields = {
  ...roleNameField,
  bind_secret_id: { kind: 'bool', description: 'Require a secret_id at login.', default: true },
  secret_id_bound_cidrs: { kind: 'strings', description: 'CIDR blocks allowed to log in with this role.' },
  bound_cidr_list: { kind: 'strings', description: 'Deprecated: use secret_id_bound_cidrs.' },
  secret_id_num_uses: { kind: 'int', description: 'Uses of each secret ID; 0 = unlimited.' },
  secret_id_ttl: { kind: 'duration', description: 'Lifetime of each secret ID; 0 = no expiry.' },
  role_id: { kind: 'string', description: 'A custom role ID (default: generated).' },
  local_secret_ids: { kind: 'bool', description: 'Accepted for compatibility; set at creation only.' },
  ...TOKEN_FIELDS,
} as const;

/** Applies the sent fields to a role (new or existing) and validates it. */
function applyRoleFields(
  f: FieldData,
  current: RoleEntry,
  creating: boolean,
  maxLeaseTtl: number,
): { role: RoleEntry; warnings: string[] } {
  const warnings: string[] = [];
  const role: RoleEntry = { ...current, ...parseTokenFields(f, current) };
  if (f.has('token_type') && f.string('token_type') === 'default-service') {
    warnings.push('default-service has no useful meaning; adjusting to service');
  }
  if (f.has('local_secret_ids')) {
    if (!creating)
      throw new InvalidRequestError('local_secret_ids can only be modified during role creation');
    role.local_secret_ids = f.bool('local_secret_ids');
  }
  if (f.has('role_id')) role.role_id = f.string('role_id').trim();
  if (f.has('bind_secret_id') || creating) role.bind_secret_id = f.bool('bind_secret_id');
  const cidrs = f.has('secret_id_bound_cidrs')
    ? f.strings('secret_id_bound_cidrs')
    : f.has('bound_cidr_list')
      ? f.strings('bound_cidr_list')
      : undefined;
  if (cidrs !== undefined) {
    const bad = invalidCidrs(cidrs);
    if (bad.length > 0)
      throw new InvalidRequestError(`'secret_id_bound_cidrs': invalid CIDR block ${JSON.stringify(bad[0])}`);
    role.secret_id_bound_cidrs = cidrs;
  }
  if (f.has('secret_id_num_uses')) role.secret_id_num_uses = f.int('secret_id_num_uses');
  if (role.secret_id_num_uses < 0) throw new InvalidRequestError('secret_id_num_uses cannot be negative');
  if (f.has('secret_id_ttl')) role.secret_id_ttl = f.duration('secret_id_ttl');
  if (role.role_id === '')
    throw new InvalidRequestError('invalid role_id supplied, or failed to generate a role_id');
  if (maxLeaseTtl > 0 && role.token_period > maxLeaseTtl) {
    throw new InvalidRequestError(
      `'token_period' of ${role.token_period}s is greater than the backend's maximum lease TTL of ${maxLeaseTtl}s`,
    );
  }
  if (maxLeaseTtl > 0 && role.token_max_ttl > maxLeaseTtl) {
    warnings.push(
      "token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
    );
  }
  if (
    !role.bind_secret_id &&
    role.secret_id_bound_cidrs.length === 0 &&
    role.token_bound_cidrs.length === 0
  ) {
    throw new InvalidRequestError('at least one constraint should be enabled on the role');
  }
  return { role, warnings };
}

/** role/, role/<name>, role/<name>/role-id. */
export function rolePaths(ctx: AppRoleContext): PathSpec[] {
  const list = async (): Promise<LogicalResponse | undefined> => listResponse(await ctx.roles.list());

  const read = async (_req: LogicalRequest, f: FieldData): Promise<LogicalResponse | undefined> => {
    const role = await roleOf(ctx, f);
    if (role === undefined) return undefined;
    const data: Record<string, unknown> = {
      bind_secret_id: role.bind_secret_id,
      secret_id_bound_cidrs: [...role.secret_id_bound_cidrs],
      secret_id_num_uses: role.secret_id_num_uses,
      secret_id_ttl: role.secret_id_ttl,
      local_secret_ids: role.local_secret_ids,
      ...tokenParamsData(role),
    };
    // the pre-token_* names, for older clients
    if (role.token_period > 0) data.period = role.token_period;
    if (role.token_policies.length > 0) data.policies = [...role.token_policies];
    return { data };
  };

  const write = (_req: LogicalRequest, f: FieldData): Promise<LogicalResponse | undefined> => {
    const name = roleNameOf(f);
    return ctx.roleLocks.run(name, async () => {
      const existing = await ctx.roles.read(name);
      const base: RoleEntry = existing ?? {
        ...defaultTokenParams(),
        name,
        role_id: randomId(),
        bind_secret_id: true,
        secret_id_bound_cidrs: [],
        secret_id_num_uses: 0,
        secret_id_ttl: 0,
        local_secret_ids: false,
        secret_id_scope: randomId(),
      };
      const { role, warnings } = applyRoleFields(f, base, existing === undefined, ctx.maxLeaseTtl());
      await ctx.roles.write(role, existing?.role_id);
      return warnings.length === 0 ? undefined : { warnings };
    });
  };

  const remove = (_req: LogicalRequest, f: FieldData): Promise<undefined> => {
    const name = roleNameOf(f);
    return ctx.roleLocks.run(name, async () => {
      const role = await ctx.roles.read(name);
      if (role === undefined) return undefined;
      await ctx.secretIds.flush(secretIdScope(role));
      await ctx.roles.delete(role);
      return undefined;
    });
  };

  const readRoleId = async (_req: LogicalRequest, f: FieldData): Promise<LogicalResponse | undefined> => {
    const role = await roleOf(ctx, f);
    return role === undefined ? undefined : { data: { role_id: role.role_id } };
  };

  const writeRoleId = (_req: LogicalRequest, f: FieldData): Promise<undefined> => {
    const name = roleNameOf(f);
    return ctx.roleLocks.run(name, async () => {
      const role = await ctx.roles.read(name);
      if (role === undefined) throw new InvalidRequestError(`role "${name}" does not exist`);
      const roleId = f.string('role_id').trim();
      if (roleId === '') throw new InvalidRequestError('missing role_id');
      await ctx.roles.write({ ...role, role_id: roleId }, role.role_id);
      return undefined;
    });
  };

  return [
    { pattern: '^role/?$', fields: {}, operations: { list }, synopsis: 'List the roles.' },
    {
      pattern: `^role/${segment('role_name')}$`,
      fields: roleFields,
      operations: { read, create: write, update: write, delete: remove },
      existenceCheck: async (_req, f) => (await roleOf(ctx, f)) !== undefined,
      synopsis: 'Manage a role: secret ID constraints and token settings.',
    },
    {
      pattern: `^role/${segment('role_name')}/role-id$`,
      fields: { ...roleNameField, role_id: { kind: 'string', description: 'The new role ID.' } },
      operations: { read: readRoleId, update: writeRoleId },
      synopsis: "Read or set a role's role ID.",
    },
  ];
}
