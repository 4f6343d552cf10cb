import type { PathSpec } from '../../framework/backend.js';
import type { FieldData } from '../../framework/field-data.js';
import type { LogicalRequest } from '../../logical/types.js';
import type { CoreResponse } from '../request-handler-types.js';
import { InvalidRequestError } from '../../helper/errors.js';
import type { TokenBackendDeps } from './backend-deps.js';
import { authBlock } from './auth-block.js';

const fields = {
  token: { kind: 'string', description: 'The token.' },
  accessor: { kind: 'string', description: 'The token accessor.' },
  increment: { kind: 'duration', description: 'Requested TTL extension.' },
} as const;

function required(f: FieldData, name: 'token' | 'accessor'): string {
  const v = f.string(name);
  if (v === '') throw new InvalidRequestError(`missing required parameter '${name}'`);
  return v;
}

/** auth/token/renew*, revoke*. */
export function renewRevokePaths(d: TokenBackendDeps): PathSpec[] {
  const renewSalted = async (
    salted: string | undefined,
    idForBlock: string,
    f: FieldData,
  ): Promise<CoreResponse> => {
    const entry = salted === undefined ? undefined : await d.store.lookupSalted(salted);
    if (
      salted === undefined ||
      entry === undefined ||
      (entry.expireTime !== 0 && entry.expireTime * 1000 <= Date.now())
    ) {
      throw new InvalidRequestError('token not found');
    }
    await d.checkRenewal(entry);
    const next = await d.issuer.renew(salted, entry, f.duration('increment'), d.ttls().maxLeaseTtl);
    return { data: null, issuedAuth: authBlock(idForBlock, next) };
  };
  const renew = (_req: LogicalRequest, f: FieldData): Promise<CoreResponse> => {
    const token = required(f, 'token');
    return renewSalted(d.store.saltedId(token), token, f);
  };
  const renewSelf = (req: LogicalRequest, f: FieldData): Promise<CoreResponse> =>
    renewSalted(d.store.saltedId(req.clientToken), req.clientToken, f);
  const renewAccessor = async (_req: LogicalRequest, f: FieldData): Promise<CoreResponse> => {
    const r = await renewSalted(await d.store.saltedByAccessor(required(f, 'accessor')), '', f);
    return r;
  };
  const revoke = async (_req: LogicalRequest, f: FieldData): Promise<undefined> => {
    await d.store.revokeTree(required(f, 'token'));
    return undefined;
  };
  const revokeSelf = async (req: LogicalRequest): Promise<undefined> => {
    await d.store.revokeTree(req.clientToken);
    return undefined;
  };
  const revokeAccessor = async (_req: LogicalRequest, f: FieldData): Promise<undefined> => {
    const salted = await d.store.saltedByAccessor(required(f, 'accessor'));
    if (salted === undefined) throw new InvalidRequestError('invalid accessor');
    await d.store.revokeTreeSalted(salted);
    return undefined;
  };
  const revokeOrphan = async (_req: LogicalRequest, f: FieldData): Promise<undefined> => {
    const token = required(f, 'token');
    if ((await d.store.lookup(token)) === undefined)
      throw new InvalidRequestError('token to revoke not found');
    await d.store.revokeOrphan(token);
    return undefined;
  };
  return [
    { pattern: '^renew$', fields, operations: { update: renew }, synopsis: 'Renew a token.' },
    {
      pattern: '^renew-self$',
      fields,
      operations: { update: renewSelf },
      synopsis: 'Renew the calling token.',
    },
    {
      pattern: '^renew-accessor$',
      fields,
      operations: { update: renewAccessor },
      synopsis: 'Renew a token by accessor.',
    },
    {
      pattern: '^revoke$',
      fields,
      operations: { update: revoke },
      synopsis: 'Revoke a token and its children.',
    },
    {
      pattern: '^revoke-self$',
      fields,
      operations: { update: revokeSelf },
      synopsis: 'Revoke the calling token.',
    },
    {
      pattern: '^revoke-accessor$',
      fields,
      operations: { update: revokeAccessor },
      synopsis: 'Revoke a token by accessor.',
    },
    {
      pattern: '^revoke-orphan$',
      fields,
      operations: { update: revokeOrphan },
      synopsis: 'Revoke a token, orphaning its children.',
    },
  ];
}
