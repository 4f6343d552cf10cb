import type { PathSpec } from '../../framework/backend.js';
import { rest } from '../../framework/backend.js';
import type { FieldData } from '../../framework/field-data.js';
import type { LogicalRequest } from '../../logical/types.js';
import type { CoreResponse } from '../request-handler-types.js';
import { InvalidRequestError } from '../../helper/errors.js';
import type { SystemDeps } from './deps.js';

const iso = (unix: number): string | null => (unix === 0 ? null : new Date(unix * 1000).toISOString());

const fields = {
  lease_id: { kind: 'string', description: 'The lease id.' },
  url_lease_id: { kind: 'string', description: 'The lease id, in the URL (legacy).' },
  increment: { kind: 'duration', description: 'Requested extension.' },
  prefix: { kind: 'string', description: 'Lease id prefix.' },
  sync: { kind: 'bool', description: 'Ignored: revocation is synchronous.' },
} as const;

/** sys/leases/* and the legacy sys/renew, sys/revoke, sys/revoke-prefix, sys/revoke-force. */
export function leasePaths(d: SystemDeps): PathSpec[] {
  const leaseId = (f: FieldData): string => {
    const id = f.string('lease_id') || f.string('url_lease_id');
    if (id === '') throw new InvalidRequestError("missing required parameter 'lease_id'");
    return id;
  };
  const lookup = async (_req: LogicalRequest, f: FieldData): Promise<CoreResponse> => {
    const lease = await d.expiration.lookup(leaseId(f));
    if (lease === undefined) throw new InvalidRequestError('invalid lease ID');
    const now = Math.floor(Date.now() / 1000);
    return {
      data: {
        id: lease.leaseId,
        issue_time: iso(lease.issueTime),
        expire_time: iso(lease.expireTime),
        last_renewal: iso(lease.lastRenewal),
        renewable: lease.renewable,
        ttl: lease.expireTime === 0 ? 0 : Math.max(0, lease.expireTime - now),
      },
    };
  };
  const renew = async (_req: LogicalRequest, f: FieldData): Promise<CoreResponse> => {
    const id = leaseId(f);
    const existing = await d.expiration.lookup(id);
    if (existing === undefined) throw new InvalidRequestError('invalid lease ID');
    const route = d.router.byPrefix(existing.mountPrefix);
    const ttls = route?.entry.config;
    const defaultTtl = (ttls?.default_lease_ttl ?? 0) || d.systemTtls.defaultLeaseTtl;
    const lease = await d.expiration.renew(id, f.int('increment'), defaultTtl);
    const ttl = Math.max(0, lease.expireTime - Math.floor(Date.now() / 1000));
    return { data: null, lease: { leaseId: id, ttl, renewable: lease.renewable } };
  };
  const revoke = async (_req: LogicalRequest, f: FieldData): Promise<undefined> => {
    await d.expiration.revoke(leaseId(f));
    return undefined;
  };
  const revokePrefix =
    (force: boolean) =>
    async (_req: LogicalRequest, f: FieldData): Promise<undefined> => {
      const prefix = f.string('prefix');
      if (prefix === '') throw new InvalidRequestError("missing required parameter 'prefix'");
      await d.expiration.revokePrefix(prefix, force);
      return undefined;
    };
  const list = async (_req: LogicalRequest, f: FieldData): Promise<CoreResponse | undefined> => {
    const keys = await d.expiration.listPrefix(f.string('prefix'));
    return keys.length === 0 ? undefined : { data: { keys } };
  };
  return [
    { pattern: '^leases/lookup/?$', fields, operations: { update: lookup }, synopsis: 'Look a lease up.' },
    {
      pattern: `^leases/lookup/${rest('prefix')}$`,
      fields,
      operations: { list },
      synopsis: 'List leases under a prefix.',
    },
    { pattern: '^leases/renew/?$', fields, operations: { update: renew }, synopsis: 'Renew a lease.' },
    {
      pattern: `^leases/renew/${rest('url_lease_id')}$`,
      fields,
      operations: { update: renew },
      synopsis: 'Renew a lease.',
    },
    { pattern: '^renew/?$', fields, operations: { update: renew }, synopsis: 'Renew a lease (legacy).' },
    {
      pattern: `^renew/${rest('url_lease_id')}$`,
      fields,
      operations: { update: renew },
      synopsis: 'Renew a lease (legacy).',
    },
    { pattern: '^leases/revoke/?$', fields, operations: { update: revoke }, synopsis: 'Revoke a lease.' },
    {
      pattern: `^leases/revoke/${rest('url_lease_id')}$`,
      fields,
      operations: { update: revoke },
      synopsis: 'Revoke a lease.',
    },
    { pattern: '^revoke/?$', fields, operations: { update: revoke }, synopsis: 'Revoke a lease (legacy).' },
    {
      pattern: `^revoke/${rest('url_lease_id')}$`,
      fields,
      operations: { update: revoke },
      synopsis: 'Revoke a lease (legacy).',
    },
    {
      pattern: `^(leases/)?revoke-prefix/${rest('prefix')}$`,
      fields,
      operations: { update: revokePrefix(false) },
      synopsis: 'Revoke by prefix.',
    },
    {
      pattern: `^(leases/)?revoke-force/${rest('prefix')}$`,
      fields,
      operations: { update: revokePrefix(true) },
      synopsis: 'Force-revoke by prefix.',
    },
  ];
}
