import type { PathSpec } from '../../framework/backend.js';
import type { FieldData } from '../../framework/field-data.js';
import type { LogicalRequest, LogicalResponse } from '../../logical/types.js';
import { InvalidRequestError, VaultError } from '../../helper/errors.js';
import type { TokenBackendDeps } from './backend-deps.js';
import { lookupData } from './auth-block.js';

const fields = {
  token: { kind: 'string', description: 'Token to look up.' },
  accessor: { kind: 'string', description: 'Accessor to look up.' },
} as const;

/** auth/token/lookup, lookup-self, lookup-accessor, and LIST accessors. */
export function lookupPaths(d: TokenBackendDeps): PathSpec[] {
  const byToken = async (token: string): Promise<LogicalResponse> => {
    const entry = await d.store.lookup(token);
    if (entry === undefined) throw new VaultError(403, 'bad token');
    return { data: lookupData(token, entry) };
  };
  const self = (req: LogicalRequest): Promise<LogicalResponse> => byToken(req.clientToken);
  const lookup = (_req: LogicalRequest, f: FieldData): Promise<LogicalResponse> => {
    const token = f.string('token');
    if (token === '') throw new InvalidRequestError("missing required parameter 'token'");
    return byToken(token);
  };
  const byAccessor = async (_req: LogicalRequest, f: FieldData): Promise<LogicalResponse> => {
    const accessor = f.string('accessor');
    if (accessor === '') throw new InvalidRequestError("missing required parameter 'accessor'");
    const salted = await d.store.saltedByAccessor(accessor);
    const entry = salted === undefined ? undefined : await d.store.lookupSalted(salted);
    if (entry === undefined) throw new InvalidRequestError('invalid accessor');
    return { data: lookupData('', entry) };
  };
  const accessors = async (): Promise<LogicalResponse | undefined> => {
    const keys = await d.store.listAccessors();
    return keys.length === 0 ? undefined : { data: { keys } };
  };
  return [
    {
      pattern: '^lookup-self$',
      fields,
      operations: { read: self, update: self },
      synopsis: 'Look up the calling token.',
    },
    {
      pattern: '^lookup$',
      fields,
      operations: { read: lookup, update: lookup },
      synopsis: 'Look up a token.',
    },
    {
      pattern: '^lookup-accessor$',
      fields,
      operations: { update: byAccessor },
      synopsis: 'Look up a token by accessor.',
    },
    {
      pattern: '^accessors/?$',
      fields: {},
      operations: { list: accessors },
      synopsis: 'List token accessors.',
    },
  ];
}
