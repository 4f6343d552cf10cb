import type { PathSpec } from '../../framework/backend.js';
import type { FieldData } from '../../framework/field-data.js';
import type { LogicalRequest } from '../../logical/types.js';
import type { CoreResponse } from '../request-handler-types.js';
import { InvalidRequestError } from '../../helper/errors.js';
import type { SystemDeps } from './deps.js';

async function answer(d: SystemDeps, policies: readonly string[], f: FieldData): Promise<CoreResponse> {
  const paths = f.strings('paths').length > 0 ? f.strings('paths') : f.strings('path');
  if (paths.length === 0) throw new InvalidRequestError("missing required parameter 'paths'");
  const acl = await d.policies.acl(policies);
  const data: Record<string, unknown> = {};
  for (const p of paths) data[p] = acl.capabilities(p);
  if (paths.length === 1) data.capabilities = data[paths[0] ?? ''];
  return { data, topLevel: true };
}

const fields = {
  paths: { kind: 'strings', description: 'Paths to check.' },
  path: { kind: 'strings', description: 'Deprecated alias of paths.' },
  token: { kind: 'string', description: 'Token to check.' },
  accessor: { kind: 'string', description: 'Accessor of the token to check.' },
} as const;

/** sys/capabilities (a given token), -self (the caller), -accessor (by accessor). */
export function capabilityPaths(d: SystemDeps): PathSpec[] {
  const self = async (req: LogicalRequest, f: FieldData): Promise<CoreResponse> =>
    answer(d, req.tokenEntry?.policies ?? [], f);
  const byToken = async (_req: LogicalRequest, f: FieldData): Promise<CoreResponse> => {
    const token = f.string('token');
    if (token === '') throw new InvalidRequestError("missing required parameter 'token'");
    const entry = await d.tokens.lookup(token);
    if (entry === undefined) throw new InvalidRequestError('invalid token');
    return answer(d, entry.policies, f);
  };
  const byAccessor = async (_req: LogicalRequest, f: FieldData): Promise<CoreResponse> => {
    const salted = await d.tokens.saltedByAccessor(f.string('accessor'));
    const entry = salted === undefined ? undefined : await d.tokens.lookupSalted(salted);
    if (entry === undefined) throw new InvalidRequestError('invalid accessor');
    return answer(d, entry.policies, f);
  };
  return [
    {
      pattern: '^capabilities-self$',
      fields,
      operations: { update: self },
      synopsis: 'Capabilities of the caller.',
    },
    {
      pattern: '^capabilities-accessor$',
      fields,
      operations: { update: byAccessor },
      synopsis: 'Capabilities by accessor.',
    },
    {
      pattern: '^capabilities$',
      fields,
      operations: { update: byToken },
      synopsis: 'Capabilities of a token.',
    },
  ];
}
