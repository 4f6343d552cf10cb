import { createHash } from 'node:crypto';
import type { LogicalRequest, LogicalResponse } from '../../../logical/types.js';
import type { PathSpec } from '../../../framework/backend.js';
import type { FieldData } from '../../../framework/field-data.js';
import { InvalidRequestError } from '../../../helper/errors.js';
import { constantTimeEqual } from '../../../helper/constant-time.js';
import { ipInCidrs } from '../../../helper/cidr.js';
import { authDisplayName, normalizePolicies } from '../token-fields.js';
import type { MapStore } from './map-store.js';

const INVALID = 'invalid user ID or app ID';

/** The app mapping whose policies every App-ID login also gets (Vault's PolicyMap DefaultKey). */
const DEFAULT_APP = 'default';

const sha1 = (text: string): string => `sha1:${createHash('sha1').update(text, 'utf8').digest('hex')}`;

/** Whether `appId` is in the user mapping's list; every entry is compared, in constant time. */
function listed(apps: string, appId: string): boolean {
  let found = false;
  for (const app of apps.split(',')) {
    if (constantTimeEqual(app.trim(), appId)) found = true;
  }
  return found;
}

/**
 * POST login {app_id, user_id} or login/<app_id> {user_id}: the user mapping must exist, the
 * caller must come from its cidr_block (if any), the app ID must be in its list, and the app
 * mapping must exist. The token gets the app's policies (plus those of the "default" app mapping,
 * if there is one), metadata with SHA-1 hashes of both ids, and is renewable.
 */
export function loginPaths(store: MapStore): PathSpec[] {
  const login = async (req: LogicalRequest, f: FieldData): Promise<LogicalResponse> => {
    const appId = f.string('app_id');
    const userId = f.string('user_id');
    if (appId === '' || userId === '') throw new InvalidRequestError("missing 'app_id' or 'user_id'");
    const user = await store.get('user-id', userId);
    if (user === undefined) throw new InvalidRequestError(INVALID);
    const cidr = user.cidr_block ?? '';
    if (cidr !== '' && !ipInCidrs(req.remoteAddress, [cidr]))
      throw new InvalidRequestError('unauthorized source address');
    if (!listed(user.value ?? '', appId)) throw new InvalidRequestError(INVALID);
    const app = await store.get('app-id', appId);
    if (app === undefined) throw new InvalidRequestError(INVALID);
    const fallback = appId.toLowerCase() === DEFAULT_APP ? undefined : await store.get('app-id', DEFAULT_APP);
    const policies = normalizePolicies([
      ...(app.value ?? '').split(','),
      ...(fallback?.value ?? '').split(','),
    ]);
    return {
      auth: {
        policies,
        renewable: true,
        metadata: { 'app-id': sha1(appId), 'user-id': sha1(userId) },
        displayName: authDisplayName(req.mountPoint, app.display_name ?? ''),
      },
    };
  };

  const fields = {
    app_id: { kind: 'string', description: 'The app ID.' },
    user_id: { kind: 'string', description: 'The user ID.' },
  } as const;
  return [
    {
      pattern: '^login/?$',
      fields,
      operations: { update: login },
      synopsis: 'Log in with an app ID and a user ID.',
    },
    {
      pattern: '^login/(?<app_id>.+)$',
      fields,
      operations: { update: login },
      synopsis: 'Log in with an app ID (in the path) and a user ID.',
    },
  ];
}
