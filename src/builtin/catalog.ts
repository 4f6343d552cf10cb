import type { BackendCatalog, BackendFactory } from '../logical/types.js';
import type { AuditDeviceFactory } from '../logical/audit.js';
import { fileDevice } from './audit/file-device.js';
import { socketDevice } from './audit/socket-device.js';
import { kvFactory } from './logical/kv/index.js';
import { cubbyholeFactory, destroyCubbyhole } from './logical/cubbyhole/index.js';
import { userpassFactory } from './credential/userpass/index.js';
import { appRoleFactory } from './credential/approle/index.js';
import { appIdFactory } from './credential/app-id/index.js';
import { certFactory } from './credential/cert/index.js';
import { ldapFactory } from './credential/ldap/index.js';

/** The engines, auth methods and audit devices this build can mount, by type ("generic" is kv's old name). */
export function builtinCatalog(): BackendCatalog {
  const mounts = new Map<string, BackendFactory>([
    ['kv', kvFactory],
    ['cubbyhole', cubbyholeFactory],
  ]);
  const auth = new Map<string, BackendFactory>([
    ['userpass', userpassFactory],
    ['approle', appRoleFactory],
    ['app-id', appIdFactory],
    ['cert', certFactory],
    ['ldap', ldapFactory],
  ]);
  const audit = new Map<string, AuditDeviceFactory>([
    ['file', fileDevice],
    ['socket', socketDevice],
  ]);
  return { mounts, auth, audit, destroyCubbyhole };
}
