import type { PathSpec } from '../../framework/backend.js';
import { rest } from '../../framework/backend.js';
import type { FieldData } from '../../framework/field-data.js';
import { InvalidRequestError } from '../../helper/errors.js';
import { auditEntryJson } from '../audit/audit-table.js';
import type { SystemDeps } from './deps.js';
import { parseOptions } from './path-mounts.js';

const deviceFields = {
  path: { kind: 'string', description: 'Where the device is enabled.' },
  type: { kind: 'string', description: 'Device type (file).' },
  description: { kind: 'string', description: 'Human-friendly description.' },
  options: { kind: 'map', description: 'Device options, string to string.' },
  local: { kind: 'bool', description: 'Not replicated.' },
} as const;

/**
 * sys/audit (list), sys/audit/<path> (enable, disable), sys/audit-hash/<path> and
 * sys/config/auditing/request-headers[/<name>].
 */
export function auditPaths(d: SystemDeps): PathSpec[] {
  const list = (): Promise<{ data: Record<string, unknown>; topLevel: true }> => {
    const data: Record<string, unknown> = {};
    for (const e of d.audit.enabled) data[e.path] = auditEntryJson(e);
    return Promise.resolve({ data, topLevel: true });
  };
  const enable = async (_req: unknown, f: FieldData): Promise<undefined> => {
    const type = f.string('type');
    if (type === '') throw new InvalidRequestError("missing required parameter 'type'");
    await d.audit.enable({
      path: f.string('path'),
      type,
      description: f.string('description'),
      options: parseOptions(f.map('options')),
      local: f.bool('local'),
    });
    return undefined;
  };
  const disable = async (_req: unknown, f: FieldData): Promise<undefined> => {
    await d.audit.disable(f.string('path'));
    return undefined;
  };
  const hash = (_req: unknown, f: FieldData): Promise<{ data: Record<string, unknown>; topLevel: true }> => {
    const input = f.string('input');
    if (input === '') throw new InvalidRequestError('the "input" parameter is empty');
    return Promise.resolve({ data: { hash: d.audit.hash(f.string('path'), input) }, topLevel: true });
  };
  const headersList = (): Promise<{ data: Record<string, unknown>; topLevel: true }> => {
    const headers: Record<string, unknown> = {};
    for (const h of d.audit.headers.all) headers[h.name] = { hmac: h.hmac };
    return Promise.resolve({ data: { headers }, topLevel: true });
  };
  const headerRead = (
    _req: unknown,
    f: FieldData,
  ): Promise<{ data: Record<string, unknown>; topLevel: true } | undefined> => {
    const h = d.audit.headers.get(f.string('header'));
    return Promise.resolve(
      h === undefined ? undefined : { data: { [h.name]: { hmac: h.hmac } }, topLevel: true },
    );
  };
  const headerWrite = async (_req: unknown, f: FieldData): Promise<undefined> => {
    await d.audit.headers.set(f.string('header'), f.bool('hmac'));
    return undefined;
  };
  const headerDelete = async (_req: unknown, f: FieldData): Promise<undefined> => {
    await d.audit.headers.remove(f.string('header'));
    return undefined;
  };
  return [
    { pattern: '^audit/?$', fields: {}, operations: { read: list }, synopsis: 'List the audit devices.' },
    {
      pattern: '^config/auditing/request-headers/?$',
      fields: {},
      operations: { read: headersList },
      synopsis: 'The request headers audit entries record.',
    },
    {
      pattern: `^config/auditing/request-headers/${rest('header')}$`,
      fields: {
        header: { kind: 'string', description: 'Header name.' },
        hmac: { kind: 'bool', description: 'Hash its values.' },
      },
      operations: { read: headerRead, update: headerWrite, delete: headerDelete },
      synopsis: 'One request header audit entries record.',
    },
    {
      pattern: `^audit/${rest('path')}$`,
      fields: deviceFields,
      operations: { update: enable, delete: disable },
      synopsis: 'Enable or disable an audit device.',
    },
    {
      pattern: `^audit-hash/${rest('path')}$`,
      fields: {
        path: { kind: 'string', description: 'The audit device.' },
        input: { kind: 'string', description: 'What to hash.' },
      },
      operations: { update: hash },
      synopsis: "Hash a value with an audit device's salt.",
    },
  ] as PathSpec[];
}
