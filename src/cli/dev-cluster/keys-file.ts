/**
 * The dev cluster's keys: 5 key shares with a threshold of 3 (as `tresor operator init` defaults
 * them), kept with the root token in a file readable by the owner only.
 */
import { randomBytes } from 'node:crypto';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';

/** Key shares and threshold, as `tresor operator init` defaults them. */
export const SECRET_SHARES = 5;
export const SECRET_THRESHOLD = 3;

/** The warning the keys file carries in its first field. */
export const KEYS_FILE_WARNING =
  'DEVELOPMENT ONLY. These are the unseal keys and the root token of a tresor dev cluster. ' +
  'Never keep unseal keys next to the cluster they open, on disk or in one place, in production: ' +
  'hand each share to a different person (or use PGP-encrypted shares / auto-unseal), and revoke ' +
  'the root token once the first policies and auth methods are set up.';

/** What `<dir>/cluster-keys.json` holds (the fields of `operator init -format=json`, plus context). */
export interface KeysFile {
  readonly WARNING: string;
  readonly unseal_keys_b64: readonly string[];
  readonly unseal_keys_hex: readonly string[];
  readonly unseal_shares: number;
  readonly unseal_threshold: number;
  readonly root_token: string;
  readonly consul_http_addr: string;
  readonly nodes: readonly { name: string; api_addr: string }[];
}

/** Writes the keys file atomically with mode 0600 (replacing an older one). */
export async function writeKeysFile(path: string, content: KeysFile): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
