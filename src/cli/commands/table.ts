/**
 * The command table: every command and group the CLI knows, keyed by its full name (cli.ts
 * dispatches through it).
 */
import { auditCommand, auditDisableCommand, auditEnableCommand, auditListCommand } from './audit.js';
import { auditVerifyCommand } from './audit-verify.js';
import {
  authCommand,
  authDisableCommand,
  authEnableCommand,
  authListCommand,
  authTuneCommand,
} from './auth.js';
import type { Command } from '../command.js';
import { devClusterCommand } from './dev-cluster.js';
import { dnsCommand } from '../dns.js';
import { kvCommand, kvGetCommand, kvListCommand, kvPutCommand } from './kv.js';
import { kvDeleteCommand, kvDestroyCommand, kvUndeleteCommand } from './kv-delete.js';
import {
  kvMetadataCommand,
  kvMetadataDeleteCommand,
  kvMetadataGetCommand,
  kvMetadataListCommand,
  kvMetadataPutCommand,
} from './kv-metadata.js';
import { kvPatchCommand } from './kv-patch.js';
import { loginCommand } from './login.js';
import { deleteCommand, listCommand, readCommand, writeCommand } from './logical.js';
import { unwrapCommand } from './unwrap.js';
import {
  operatorCommand,
  operatorKeyStatusCommand,
  operatorRotateCommand,
  operatorSealCommand,
  operatorStepDownCommand,
  operatorUnsealCommand,
} from './operator.js';
import { operatorInitCommand } from './operator-init.js';
import {
  policyCommand,
  policyDeleteCommand,
  policyListCommand,
  policyReadCommand,
  policyWriteCommand,
} from './policy.js';
import {
  secretsCommand,
  secretsDisableCommand,
  secretsEnableCommand,
  secretsListCommand,
  secretsMoveCommand,
  secretsTuneCommand,
} from './secrets.js';
import { serverCommand } from './server.js';
import { statusCommand } from './status.js';
import { tokenCommand, tokenCreateCommand, tokenLookupCommand } from './token.js';
import { tokenCapabilitiesCommand, tokenRenewCommand, tokenRevokeCommand } from './token-manage.js';
import { versionCommand } from './version.js';

/** All commands, keyed by full name ("operator init"). */
export const COMMANDS: ReadonlyMap<string, Command> = new Map(
  [
    auditCommand,
    auditDisableCommand,
    auditEnableCommand,
    auditListCommand,
    auditVerifyCommand,
    authCommand,
    authDisableCommand,
    authEnableCommand,
    authListCommand,
    authTuneCommand,
    deleteCommand,
    devClusterCommand,
    dnsCommand,
    kvCommand,
    kvDeleteCommand,
    kvDestroyCommand,
    kvGetCommand,
    kvListCommand,
    kvMetadataCommand,
    kvMetadataDeleteCommand,
    kvMetadataGetCommand,
    kvMetadataListCommand,
    kvMetadataPutCommand,
    kvPatchCommand,
    kvPutCommand,
    kvUndeleteCommand,
    listCommand,
    loginCommand,
    operatorCommand,
    operatorInitCommand,
    operatorKeyStatusCommand,
    operatorRotateCommand,
    operatorSealCommand,
    operatorStepDownCommand,
    operatorUnsealCommand,
    policyCommand,
    policyDeleteCommand,
    policyListCommand,
    policyReadCommand,
    policyWriteCommand,
    readCommand,
    secretsCommand,
    secretsDisableCommand,
    secretsEnableCommand,
    secretsListCommand,
    secretsMoveCommand,
    secretsTuneCommand,
    serverCommand,
    statusCommand,
    tokenCapabilitiesCommand,
    tokenCommand,
    tokenCreateCommand,
    tokenLookupCommand,
    tokenRenewCommand,
    tokenRevokeCommand,
    unwrapCommand,
    versionCommand,
    writeCommand,
  ].map((c) => [c.name, c] as const),
);
