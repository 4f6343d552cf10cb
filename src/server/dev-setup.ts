import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Core } from '../core/core.js';

export interface DevResult {
  readonly unsealKey: string;
  readonly rootToken: string;
}

/**
 * `server -dev`: initialise with one key share, unseal, replace the root token by the requested
 * id if any, and mount kv version 2 at secret/ — what `vault server -dev` does.
 */
export async function setupDev(core: Core, rootTokenId: string | undefined): Promise<DevResult> {
  const { keys, rootToken } = await core.initialize({ secretShares: 1, secretThreshold: 1 });
  const key = keys[0];
  if (key === undefined) throw new Error('dev init returned no key');
  const unsealKey = key.toString('base64');
  await core.submitUnsealKey(unsealKey);
  key.fill(0);
  const s = core.unsealed;
  let token = rootToken;
  if (rootTokenId !== undefined && rootTokenId !== '' && rootTokenId !== rootToken) {
    const created = await s.issuer.issue({
      policies: ['root'],
      path: 'auth/token/root',
      displayName: 'root',
      id: rootTokenId,
      defaultTtl: 0,
      maxTtl: 0,
      rootAllowed: true,
    });
    await s.tokens.revokeTree(rootToken);
    token = created.id;
  }
  await s.mounts.mount({
    table: 'mounts',
    path: 'secret/',
    type: 'kv',
    options: { version: '2' },
    description: 'key/value secret storage',
  });
  return { unsealKey, rootToken: token };
}

/** Writes the token where the CLI's token helper reads it (~/.vault-token, mode 0600). */
export async function storeTokenForCli(token: string): Promise<void> {
  await writeFile(join(homedir(), '.vault-token'), token, { mode: 0o600 });
}

export function devBanner(apiAddr: string, r: DevResult): string {
  return [
    'WARNING! dev mode is enabled! In this mode, tresor runs entirely in-memory',
    'and starts unsealed with a single unseal key. The root token is already',
    'authenticated to the CLI, so you can immediately begin using it.',
    '',
    'You may need to set the following environment variables:',
    '',
    `    $ export VAULT_ADDR='${apiAddr}'`,
    '',
    'The unseal key and root token are displayed below in case you want to',
    'seal/unseal the server or re-authenticate.',
    '',
    `Unseal Key: ${r.unsealKey}`,
    `Root Token: ${r.rootToken}`,
    '',
    'Development mode should NOT be used in production installations!',
    '',
  ].join('\n');
}
