import type { LogicalRequest, LogicalResponse } from '../../../logical/types.js';
import type { PathSpec } from '../../../framework/backend.js';
import { segment } from '../../../framework/backend.js';
import type { FieldData } from '../../../framework/field-data.js';
import { listResponse } from '../../../framework/list-response.js';
import { InvalidRequestError, VaultError } from '../../../helper/errors.js';
import { cidrsSubset, invalidCidrs } from '../../../helper/cidr.js';
import type { AppRoleContext } from './context.js';
import { roleNameOf, roleOf, secretIdScope } from './context.js';
import { parseSecretIdMetadata } from './metadata.js';
import type { RoleEntry } from './role-store.js';
import type { NewSecretId, SecretIdEntry } from './secret-id-store.js';
import { randomId } from './secret-id-store.js';

const roleNameField = { role_name: { kind: 'string', description: 'Name of the role.' } } as const;
const secretIdField = { secret_id: { kind: 'string', description: 'The secret ID.' } } as const;
const accessorField = {
  secret_id_accessor: { kind: 'string', description: 'Accessor of the secret ID.' },
} as const;
const newSecretIdFields = {
  ...roleNameField,
  metadata: {
    kind: 'any',
    description: 'JSON object (or string) of string values, set on tokens issued with the secret ID.',
  },
  cidr_list: {
    kind: 'strings',
    description: 'CIDR blocks the secret ID may be used from (within the role\u2019s).',
  },
  token_bound_cidrs: {
    kind: 'strings',
    description: 'CIDR blocks the issued tokens may be used from (within the role\u2019s).',
  },
  num_uses: { kind: 'int', description: 'Uses of the secret ID; 0 = unlimited (not above the role\u2019s).' },
  ttl: {
    kind: 'duration',
    description: 'Lifetime of the secret ID; 0 = no expiry (not above the role\u2019s).',
  },
} as const;

/** The secret ID's properties as lookups show them (Vault's zero time when it does not expire). */
function lookupData(e: SecretIdEntry): Record<string, unknown> {
  return {
    secret_id_accessor: e.secret_id_accessor,
    secret_id_num_uses: e.secret_id_num_uses,
    secret_id_ttl: e.secret_id_ttl,
    creation_time: e.creation_time,
    expiration_time: e.expiration_time === '' ? '0001-01-01T00:00:00Z' : e.expiration_time,
    last_updated_time: e.last_updated_time,
    metadata: { ...e.metadata },
    cidr_list: [...e.cidr_list],
    token_bound_cidrs: [...e.token_bound_cidrs],
  };
}

function required(f: FieldData, name: string): string {
  const value = f.string(name).trim();
  if (value === '') throw new InvalidRequestError(`missing ${name}`);
  return value;
}

/** A request's CIDR list: valid blocks, each within the role's (named in the message). */
function cidrsWithin(f: FieldData, field: string, roleCidrs: readonly string[], roleField: string): string[] {
  const cidrs = f.strings(field);
  const invalid = invalidCidrs(cidrs);
  if (invalid.length > 0)
    throw new InvalidRequestError(`'${field}': invalid CIDR block ${JSON.stringify(invalid[0])}`);
  if (!cidrsSubset(cidrs, roleCidrs)) {
    throw new InvalidRequestError(
      `'${field}' must be a subset of the role's ${roleField} ${JSON.stringify(roleCidrs)}`,
    );
  }
  return cidrs;
}

/** The properties of a new secret ID: the request's, within the role's limits. */
function newSecretId(f: FieldData, role: RoleEntry, maxLeaseTtl: number): NewSecretId {
  const cidrList = cidrsWithin(f, 'cidr_list', role.secret_id_bound_cidrs, 'secret_id_bound_cidrs');
  const tokenCidrs = cidrsWithin(f, 'token_bound_cidrs', role.token_bound_cidrs, 'token_bound_cidrs');
  let numUses = role.secret_id_num_uses;
  if (f.has('num_uses')) {
    numUses = f.int('num_uses');
    if (numUses < 0) throw new InvalidRequestError('num_uses cannot be negative');
    if (role.secret_id_num_uses > 0 && (numUses === 0 || numUses > role.secret_id_num_uses)) {
      throw new InvalidRequestError("num_uses cannot be higher than the role's secret_id_num_uses");
    }
  }
  let ttl = role.secret_id_ttl;
  if (f.has('ttl')) {
    ttl = f.duration('ttl');
    if (role.secret_id_ttl > 0 && (ttl === 0 || ttl > role.secret_id_ttl)) {
      throw new InvalidRequestError("ttl cannot be longer than the role's secret_id_ttl");
    }
  }
  // Vault caps secret ID lifetimes at the mount's max lease TTL
  if (maxLeaseTtl > 0 && ttl > maxLeaseTtl) ttl = maxLeaseTtl;
  return {
    secret_id_num_uses: numUses,
    secret_id_ttl: ttl,
    metadata: parseSecretIdMetadata(f.value('metadata')),
    cidr_list: cidrList,
    token_bound_cidrs: tokenCidrs,
  };
}

/** role/<name>/secret-id (generate, list), …/lookup, …/destroy, secret-id-accessor/…, custom-secret-id. */
export function secretIdPaths(ctx: AppRoleContext): PathSpec[] {
  const existingRole = async (f: FieldData, status = 400): Promise<RoleEntry> => {
    const role = await roleOf(ctx, f);
    if (role === undefined) throw new VaultError(status, `role "${roleNameOf(f)}" does not exist`);
    return role;
  };

  const issue = async (f: FieldData, secretId: string): Promise<LogicalResponse> => {
    const role = await existingRole(f, 404);
    if (!role.bind_secret_id) throw new InvalidRequestError('bind_secret_id is not set on the role');
    const entry = await ctx.secretIds.create(
      secretIdScope(role),
      secretId,
      newSecretId(f, role, ctx.maxLeaseTtl()),
    );
    return {
      data: {
        secret_id: secretId,
        secret_id_accessor: entry.secret_id_accessor,
        secret_id_ttl: entry.secret_id_ttl,
        secret_id_num_uses: entry.secret_id_num_uses,
      },
      wrappedAccessor: entry.secret_id_accessor,
    };
  };

  const generate = (_req: LogicalRequest, f: FieldData): Promise<LogicalResponse> => issue(f, randomId());
  const custom = (_req: LogicalRequest, f: FieldData): Promise<LogicalResponse> =>
    issue(f, required(f, 'secret_id'));

  const list = async (_req: LogicalRequest, f: FieldData): Promise<LogicalResponse | undefined> => {
    const role = await roleOf(ctx, f);
    if (role === undefined) return undefined;
    return listResponse(await ctx.secretIds.listAccessors(secretIdScope(role)));
  };

  const lookup = async (_req: LogicalRequest, f: FieldData): Promise<LogicalResponse | undefined> => {
    const secretId = required(f, 'secret_id');
    const role = await existingRole(f);
    const entry = await ctx.secretIds.lookup(secretIdScope(role), secretId);
    return entry === undefined ? undefined : { data: lookupData(entry) };
  };

  const destroy = async (_req: LogicalRequest, f: FieldData): Promise<undefined> => {
    const secretId = required(f, 'secret_id');
    const role = await existingRole(f);
    await ctx.secretIds.destroy(secretIdScope(role), secretId);
    return undefined;
  };

  const lookupAccessor = async (_req: LogicalRequest, f: FieldData): Promise<LogicalResponse | undefined> => {
    const accessor = required(f, 'secret_id_accessor');
    const role = await existingRole(f);
    const entry = await ctx.secretIds.lookupByAccessor(secretIdScope(role), accessor);
    if (entry === undefined)
      throw new VaultError(404, `failed to find accessor entry for secret_id_accessor: "${accessor}"`);
    return entry === null ? undefined : { data: lookupData(entry) };
  };

  const destroyAccessor = async (_req: LogicalRequest, f: FieldData): Promise<undefined> => {
    const accessor = required(f, 'secret_id_accessor');
    const role = await existingRole(f);
    if (!(await ctx.secretIds.destroyByAccessor(secretIdScope(role), accessor))) {
      throw new InvalidRequestError(`failed to find accessor entry for secret_id_accessor: "${accessor}"`);
    }
    return undefined;
  };

  const tidy = async (): Promise<undefined> => {
    const roles = await Promise.all((await ctx.roles.list()).map((name) => ctx.roles.read(name)));
    await ctx.secretIds.tidy(roles.flatMap((r) => (r === undefined ? [] : [secretIdScope(r)])));
    return undefined;
  };

  const role = segment('role_name');
  return [
    {
      pattern: `^role/${role}/secret-id/?$`,
      fields: newSecretIdFields,
      operations: { update: generate, list },
      synopsis: 'Generate a secret ID for the role, or list the accessors of its secret IDs.',
    },
    {
      pattern: `^role/${role}/custom-secret-id$`,
      fields: { ...newSecretIdFields, ...secretIdField },
      operations: { update: custom },
      synopsis: 'Register a secret ID of your choice for the role.',
    },
    {
      pattern: `^role/${role}/secret-id/lookup/?$`,
      fields: { ...roleNameField, ...secretIdField },
      operations: { update: lookup },
      synopsis: 'Read the properties of a secret ID.',
    },
    {
      pattern: `^role/${role}/secret-id/destroy/?$`,
      fields: { ...roleNameField, ...secretIdField },
      operations: { update: destroy, delete: destroy },
      synopsis: 'Destroy a secret ID.',
    },
    {
      pattern: `^role/${role}/secret-id-accessor/lookup/?$`,
      fields: { ...roleNameField, ...accessorField },
      operations: { update: lookupAccessor },
      synopsis: 'Read the properties of a secret ID by its accessor.',
    },
    {
      pattern: `^role/${role}/secret-id-accessor/destroy/?$`,
      fields: { ...roleNameField, ...accessorField },
      operations: { update: destroyAccessor, delete: destroyAccessor },
      synopsis: 'Destroy a secret ID by its accessor.',
    },
    {
      pattern: '^tidy/secret-id/?$',
      fields: {},
      operations: { update: tidy },
      synopsis: 'Remove expired secret IDs and dangling accessors.',
    },
  ];
}
