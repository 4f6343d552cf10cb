import type { PathSpec } from '../../framework/backend.js';
import type { FieldData } from '../../framework/field-data.js';
import type { LogicalRequest } from '../../logical/types.js';
import type { CoreResponse } from '../request-handler-types.js';
import { InvalidRequestError } from '../../helper/errors.js';
import type { SystemDeps } from './deps.js';

const fields = { token: { kind: 'string', description: 'A wrapping token.' } } as const;

/** sys/wrapping/{wrap,unwrap,lookup,rewrap}. The wrapping token itself is the credential. */
export function wrappingPaths(d: SystemDeps): PathSpec[] {
  const tokenOf = (req: LogicalRequest, f: FieldData): string => {
    const t = f.string('token') || req.clientToken;
    if (t === '') throw new InvalidRequestError("missing required parameter 'token'");
    return t;
  };
  const wrap = (req: LogicalRequest): Promise<CoreResponse> => {
    // The pipeline wraps whatever this returns when X-Vault-Wrap-TTL is set.
    if ((req.wrapTtl ?? 0) <= 0)
      throw new InvalidRequestError('endpoint requires response wrapping to be used');
    return Promise.resolve({ data: { ...req.data } });
  };
  const unwrap = async (req: LogicalRequest, f: FieldData): Promise<CoreResponse> => {
    // The wrapped response is returned verbatim, as Vault does.
    const text = await d.wrapper.unwrap(tokenOf(req, f));
    return { raw: { status: 200, contentType: 'application/json', body: text } };
  };
  const lookup = async (req: LogicalRequest, f: FieldData): Promise<CoreResponse> => ({
    data: await d.wrapper.lookup(tokenOf(req, f)),
  });
  const rewrap = async (req: LogicalRequest, f: FieldData): Promise<CoreResponse> => ({
    data: null,
    wrapInfo: await d.wrapper.rewrap(tokenOf(req, f)),
  });
  return [
    {
      pattern: '^wrapping/wrap$',
      fields: {},
      operations: { update: wrap },
      synopsis: 'Wrap arbitrary data.',
    },
    {
      pattern: '^wrapping/unwrap$',
      fields,
      operations: { update: unwrap },
      synopsis: 'Unwrap a wrapping token.',
    },
    {
      pattern: '^wrapping/lookup$',
      fields,
      operations: { update: lookup, read: lookup },
      synopsis: 'Look a wrapping token up.',
    },
    {
      pattern: '^wrapping/rewrap$',
      fields,
      operations: { update: rewrap },
      synopsis: 'Rewrap a wrapping token.',
    },
  ];
}
