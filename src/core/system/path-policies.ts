import type { PathSpec } from '../../framework/backend.js';
import { rest } from '../../framework/backend.js';
import type { FieldData } from '../../framework/field-data.js';
import type { LogicalRequest } from '../../logical/types.js';
import type { CoreResponse } from '../request-handler-types.js';
import { InvalidRequestError } from '../../helper/errors.js';
import type { SystemDeps } from './deps.js';

const nameField = { name: { kind: 'string', description: 'Policy name.' } } as const;

/** sys/policy (legacy: `rules`, lists include root) and sys/policies/acl (current: `policy`). */
export function policyPaths(d: SystemDeps): PathSpec[] {
  const listLegacy = async (): Promise<CoreResponse> => {
    const names = [...(await d.policies.list()), 'root'].sort();
    return { data: { keys: names, policies: names }, topLevel: true };
  };
  const listAcl = async (): Promise<CoreResponse | undefined> => {
    const names = [...(await d.policies.list()), 'root'].sort();
    return { data: { keys: names } };
  };
  const read =
    (field: 'rules' | 'policy') =>
    async (_req: LogicalRequest, f: FieldData): Promise<CoreResponse | undefined> => {
      const name = f.string('name').trim().toLowerCase();
      if (name === 'root') return { data: { name: 'root', [field]: '' }, topLevel: true };
      const p = await d.policies.get(name);
      return p === undefined ? undefined : { data: { name: p.name, [field]: p.raw }, topLevel: true };
    };
  const write =
    (field: 'rules' | 'policy') =>
    async (req: LogicalRequest, f: FieldData): Promise<CoreResponse | undefined> => {
      const text = req.data[field] ?? (field === 'rules' ? req.data.policy : req.data.rules);
      if (typeof text !== 'string' || text.trim() === '')
        throw new InvalidRequestError(`missing required parameter '${field}'`);
      const { warnings } = await d.policies.set(f.string('name'), text);
      return warnings.length === 0 ? undefined : { data: null, warnings };
    };
  const del = async (_req: LogicalRequest, f: FieldData): Promise<undefined> => {
    await d.policies.delete(f.string('name'));
    return undefined;
  };
  const fields = {
    ...nameField,
    policy: { kind: 'string', description: 'Policy text (HCL or JSON, optionally base64).' },
    rules: { kind: 'string', description: 'Deprecated alias of policy.' },
  } as const;
  return [
    {
      pattern: '^policy/?$',
      fields: {},
      operations: { read: listLegacy, list: listLegacy },
      synopsis: 'List policies.',
    },
    {
      pattern: `^policy/${rest('name')}$`,
      fields,
      operations: { read: read('rules'), update: write('rules'), delete: del },
      synopsis: 'Manage a policy.',
    },
    {
      pattern: '^policies/acl/?$',
      fields: {},
      operations: { list: listAcl },
      synopsis: 'List ACL policies.',
    },
    {
      pattern: `^policies/acl/${rest('name')}$`,
      fields,
      operations: { read: read('policy'), update: write('policy'), delete: del },
      synopsis: 'Manage an ACL policy.',
    },
  ];
}
