import type {
  LogicalBackend,
  LogicalRequest,
  LogicalResponse,
  Operation,
  SpecialPaths,
} from '../logical/types.js';
import { UnsupportedOperationError, UnsupportedPathError } from '../helper/errors.js';
import type { FieldSchemas } from './field-data.js';
import { FieldData } from './field-data.js';

export type Handler = (req: LogicalRequest, data: FieldData) => Promise<LogicalResponse | undefined>;

/** One path of an engine: an anchored pattern with named groups, fields, and a handler per operation. */
export interface PathSpec {
  readonly pattern: string;
  readonly fields: FieldSchemas;
  readonly operations: Partial<Record<Operation, Handler>>;
  /** Whether the target exists; turns an update into a create for ACL purposes when false. */
  readonly existenceCheck?: (req: LogicalRequest, data: FieldData) => Promise<boolean>;
  readonly synopsis: string;
}

/** Builds a named capture for the rest of a path (may contain "/"). */
export const rest = (name: string): string => `(?<${name}>.+)`;
/** Builds a named capture for one path segment. */
export const segment = (name: string): string => `(?<${name}>[^/]+)`;

interface Compiled {
  readonly spec: PathSpec;
  readonly regex: RegExp;
}

export interface BackendDefinition {
  readonly type: string;
  readonly paths: readonly PathSpec[];
  readonly specialPaths?: SpecialPaths;
  readonly renewSecret?: LogicalBackend['renewSecret'];
  readonly revokeSecret?: LogicalBackend['revokeSecret'];
  readonly cleanup?: LogicalBackend['cleanup'];
  readonly loginIdentifier?: LogicalBackend['loginIdentifier'];
  readonly renewAuth?: LogicalBackend['renewAuth'];
}

/** An engine is a list of paths; the framework owns matching, field validation, 404 and 405. */
export function defineBackend(def: BackendDefinition): LogicalBackend {
  const compiled: Compiled[] = def.paths.map((spec) => ({ spec, regex: new RegExp(spec.pattern) }));
  const match = (req: LogicalRequest): { spec: PathSpec; data: FieldData } => {
    for (const { spec, regex } of compiled) {
      const m = regex.exec(req.path);
      if (m !== null) {
        const groups: Record<string, unknown> = {};
        // unmatched optional groups are undefined at run time
        const found = Object.entries(m.groups ?? {}) as [string, string | undefined][];
        for (const [k, v] of found) if (v !== undefined) groups[k] = v;
        return { spec, data: new FieldData(spec.fields, { ...req.data, ...groups }) };
      }
    }
    throw new UnsupportedPathError(req.fullPath);
  };
  const backend: LogicalBackend = {
    type: def.type,
    ...(def.specialPaths === undefined ? {} : { specialPaths: def.specialPaths }),
    async handleRequest(req) {
      const { spec, data } = match(req);
      const handler =
        spec.operations[req.operation] ?? (req.operation === 'create' ? spec.operations.update : undefined);
      if (handler === undefined) throw new UnsupportedOperationError(req.operation, req.fullPath);
      return handler(req, data);
    },
    async existenceCheck(req) {
      let found: { spec: PathSpec; data: FieldData };
      try {
        found = match(req);
      } catch {
        return undefined;
      }
      if (found.spec.existenceCheck === undefined) return undefined;
      return found.spec.existenceCheck(req, found.data);
    },
  };
  if (def.renewSecret !== undefined) backend.renewSecret = def.renewSecret;
  if (def.revokeSecret !== undefined) backend.revokeSecret = def.revokeSecret;
  if (def.cleanup !== undefined) backend.cleanup = def.cleanup;
  if (def.loginIdentifier !== undefined) backend.loginIdentifier = def.loginIdentifier;
  if (def.renewAuth !== undefined) backend.renewAuth = def.renewAuth;
  return backend;
}
