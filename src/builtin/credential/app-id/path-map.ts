import type { LogicalRequest, LogicalResponse } from '../../../logical/types.js';
import type { PathSpec } from '../../../framework/backend.js';
import type { FieldData, FieldSchemas } from '../../../framework/field-data.js';
import { listResponse } from '../../../framework/list-response.js';
import { InvalidRequestError } from '../../../helper/errors.js';
import { parseCidr } from '../../../helper/cidr.js';
import type { MapEntry, MapKind, MapStore } from './map-store.js';

/** Vault's PathMap key pattern. */
const KEY = '(?<key>[-\\w]+)';

const EXTRA: Record<MapKind, FieldSchemas> = {
  'app-id': {
    value: { kind: 'string', description: 'Comma-separated policies of the app ID.' },
    display_name: { kind: 'string', description: 'Name shown for tokens of this app ID.' },
  },
  'user-id': {
    value: { kind: 'string', description: 'Comma-separated app IDs this user ID may log in with.' },
    cidr_block: {
      kind: 'string',
      description: 'If set, logins with this user ID must come from this CIDR block.',
    },
  },
};

/** map/app-id/, map/app-id/<id>, map/user-id/, map/user-id/<id>. */
export function mapPaths(store: MapStore): PathSpec[] {
  return (['app-id', 'user-id'] as const).flatMap((kind): PathSpec[] => {
    const fields = EXTRA[kind];
    const list = async (): Promise<LogicalResponse | undefined> => listResponse(await store.list(kind));
    const read = async (_req: LogicalRequest, f: FieldData): Promise<LogicalResponse | undefined> => {
      const entry = await store.get(kind, f.string('key'));
      return entry === undefined ? undefined : { data: { ...entry } };
    };
    const write = async (_req: LogicalRequest, f: FieldData): Promise<undefined> => {
      const entry: MapEntry = {};
      for (const name of Object.keys(fields)) if (f.has(name)) entry[name] = f.string(name);
      const cidr = entry.cidr_block;
      if (cidr !== undefined && cidr !== '' && parseCidr(cidr) === undefined) {
        throw new InvalidRequestError(`'cidr_block': invalid CIDR block ${JSON.stringify(cidr)}`);
      }
      await store.put(kind, f.string('key'), entry);
      return undefined;
    };
    const remove = async (_req: LogicalRequest, f: FieldData): Promise<undefined> => {
      await store.delete(kind, f.string('key'));
      return undefined;
    };
    return [
      {
        pattern: `^map/${kind}/?$`,
        fields: {},
        operations: { list, read: list },
        synopsis: `List the ${kind} mappings (as HMACs).`,
      },
      {
        pattern: `^map/${kind}/${KEY}$`,
        fields: { key: { kind: 'string', description: `The ${kind}.` }, ...fields },
        operations: { read, create: write, update: write, delete: remove },
        existenceCheck: async (_req, f) => (await store.get(kind, f.string('key'))) !== undefined,
        synopsis: `Read, write or delete one ${kind} mapping.`,
      },
    ];
  });
}
