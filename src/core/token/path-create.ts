import type { PathSpec } from '../../framework/backend.js';
import { segment } from '../../framework/backend.js';
import type { FieldData } from '../../framework/field-data.js';
import type { LogicalRequest } from '../../logical/types.js';
import type { CoreResponse } from '../request-handler-types.js';
import { InvalidRequestError, PermissionDeniedError } from '../../helper/errors.js';
import type { TokenBackendDeps } from './backend-deps.js';
import { readRole } from './path-roles.js';
import { authBlock } from './auth-block.js';
import { childPolicies } from './child-policies.js';

const fields = {
  role_name: { kind: 'string', description: 'Token role.' },
  id: { kind: 'string', description: 'Custom token id (root only).' },
  policies: { kind: 'strings', description: 'Policies of the token.' },
  meta: { kind: 'map', description: 'Metadata (string values).' },
  metadata: { kind: 'map', description: 'Alias of meta.' },
  no_parent: { kind: 'bool', description: 'Create an orphan (root only).' },
  no_default_policy: { kind: 'bool', description: 'Leave out the default policy.' },
  renewable: { kind: 'bool', description: 'Renewable.', default: true },
  ttl: { kind: 'duration', description: 'TTL.' },
  lease: { kind: 'duration', description: 'Deprecated alias of ttl.' },
  explicit_max_ttl: { kind: 'duration', description: 'Hard limit.' },
  period: { kind: 'duration', description: 'Renewal period (root only; a role sets its own token_period).' },
  display_name: { kind: 'string', description: 'Display name.' },
  num_uses: { kind: 'int', description: 'Number of uses (0 = unlimited).' },
  type: { kind: 'string', description: 'service (batch is not supported).' },
  entity_alias: { kind: 'string', description: 'Not supported.' },
} as const;

function stringMap(raw: Record<string, unknown> | undefined): Record<string, string> | null {
  if (raw === undefined) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new InvalidRequestError(`meta.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

/** auth/token/create, create-orphan and create/<role>. */
export function createPaths(d: TokenBackendDeps): PathSpec[] {
  const create =
    (mode: 'normal' | 'orphan' | 'role') =>
    async (req: LogicalRequest, f: FieldData): Promise<CoreResponse> => {
      const caller = await d.store.lookup(req.clientToken);
      if (caller === undefined) throw new PermissionDeniedError(true);
      const isRoot = caller.policies.includes('root');
      const type = f.string('type');
      if (type !== '' && type !== 'service')
        throw new InvalidRequestError(`token type "${type}" is not supported; use "service"`);
      if (caller.numUses !== 0)
        throw new InvalidRequestError('a token with a limited use count cannot create child tokens');
      if (f.has('id') && !isRoot)
        throw new InvalidRequestError('root or sudo privileges required to specify token id');
      if (f.bool('no_parent') && !isRoot)
        throw new InvalidRequestError('root or sudo privileges required to create orphan token');
      if (f.int('num_uses') < 0) throw new InvalidRequestError('number of uses cannot be negative');

      const role = mode === 'role' ? await readRole(d, f.string('role_name')) : undefined;
      if (mode === 'role' && role === undefined)
        throw new InvalidRequestError(`unknown role ${f.string('role_name')}`);
      // A role's token_period applies to every caller; a period in the request needs root, role or not.
      const period = f.duration('period');
      if (period !== 0 && !isRoot)
        throw new InvalidRequestError('root or sudo privileges required to create periodic token');

      const policies = childPolicies({
        parent: caller.policies,
        privileged: isRoot,
        requested: f.has('policies') ? f.strings('policies') : undefined,
        noDefaultPolicy: f.bool('no_default_policy'),
        role,
      });

      const orphan = mode === 'orphan' || f.bool('no_parent') || role?.orphan === true;
      const ttls = d.ttls();
      const displayName = f.string('display_name').replace(/[^\w-]/g, '-');
      const path =
        role === undefined
          ? mode === 'orphan'
            ? 'auth/token/create-orphan'
            : 'auth/token/create'
          : `auth/token/create/${role.name}${role.path_suffix === '' ? '' : '/' + role.path_suffix}`;
      const issued = await d.issuer.issue({
        policies,
        noDefaultPolicy: true, // childPolicies decided about `default`
        rootAllowed: isRoot, // childPolicies refused root for anyone else
        ...(orphan ? {} : { parent: req.clientToken }),
        meta: stringMap(f.map('meta') ?? f.map('metadata')),
        displayName: displayName === '' ? 'token' : `token-${displayName}`,
        numUses: f.has('num_uses') ? f.int('num_uses') : (role?.token_num_uses ?? 0),
        ttl: f.has('ttl') ? f.duration('ttl') : f.has('lease') ? f.duration('lease') : (role?.token_ttl ?? 0),
        explicitMaxTtl: f.has('explicit_max_ttl')
          ? f.duration('explicit_max_ttl')
          : (role?.token_explicit_max_ttl ?? 0),
        period: period !== 0 ? period : (role?.token_period ?? 0),
        renewable: f.bool('renewable') && role?.renewable !== false,
        path,
        defaultTtl: ttls.defaultLeaseTtl,
        maxTtl:
          role !== undefined && role.token_max_ttl > 0
            ? Math.min(role.token_max_ttl, ttls.maxLeaseTtl)
            : ttls.maxLeaseTtl,
        ...(role === undefined ? {} : { role: role.name }),
        ...(f.has('id') ? { id: f.string('id') } : {}),
      });
      return {
        data: null,
        issuedAuth: authBlock(issued.id, issued.entry, issued.entry.creationTime),
        warnings: issued.warnings,
      };
    };
  return [
    { pattern: '^create$', fields, operations: { update: create('normal') }, synopsis: 'Create a token.' },
    {
      pattern: '^create-orphan$',
      fields,
      operations: { update: create('orphan') },
      synopsis: 'Create an orphan token.',
    },
    {
      pattern: `^create/${segment('role_name')}$`,
      fields,
      operations: { update: create('role') },
      synopsis: 'Create a token from a role.',
    },
  ];
}
