/**
 * What an operator does to a new cluster, done for the dev cluster: `sys/init` on one node with 5
 * key shares and a threshold of 3, every node unsealed with 3 of the shares, a wait until one node
 * is active and the others standby, kv version 2 mounted at secret/ (as `server -dev` does), and
 * the keys and root token written to a file readable by the owner only.
 */
import { randomBytes } from 'node:crypto';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { type NodeRole, callNode, errorsOf, roleOf } from './node-api.js';

/** Key shares and threshold, as `tresor operator init` defaults them. */
export const SECRET_SHARES = 5;
export const SECRET_THRESHOLD = 3;

/** The result of `sys/init`. */
export interface InitResult {
  readonly keysB64: readonly string[];
  readonly keysHex: readonly string[];
  readonly rootToken: string;
}

/** A node, as bootstrapping needs it. */
export interface BootNode {
  readonly name: string;
  readonly addr: string;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Initialises the shared storage through `node` (5 shares, threshold 3). */
export async function initCluster(node: BootNode): Promise<InitResult> {
  const answer = await callNode(node.addr, 'PUT', 'sys/init', {
    body: { secret_shares: SECRET_SHARES, secret_threshold: SECRET_THRESHOLD },
  });
  if (answer.status !== 200) throw new Error(`sys/init on ${node.name} failed: ${errorsOf(answer)}`);
  const keysB64 = stringList(answer.body.keys_base64);
  const keysHex = stringList(answer.body.keys);
  const rootToken = answer.body.root_token;
  if (keysB64.length !== SECRET_SHARES || typeof rootToken !== 'string' || rootToken === '') {
    throw new Error(`sys/init on ${node.name} returned no keys or no root token`);
  }
  return { keysB64, keysHex, rootToken };
}

/** Unseals `node` with the first `threshold` shares, as that many key holders would. */
export async function unsealNode(node: BootNode, keys: readonly string[]): Promise<void> {
  for (const key of keys.slice(0, SECRET_THRESHOLD)) {
    const answer = await callNode(node.addr, 'PUT', 'sys/unseal', { body: { key } });
    if (answer.status !== 200) throw new Error(`unsealing ${node.name} failed: ${errorsOf(answer)}`);
    if (answer.body.sealed === false) return;
  }
  throw new Error(`${node.name} is still sealed after ${SECRET_THRESHOLD} key shares`);
}

/** Waits until exactly one node is active and every other one is a standby; returns the roles. */
export async function waitForRoles(nodes: readonly BootNode[], timeoutMs = 30_000): Promise<NodeRole[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const roles = await Promise.all(nodes.map((n) => roleOf(n.addr)));
    const active = roles.filter((r) => r === 'active').length;
    const standby = roles.filter((r) => r === 'standby').length;
    if (active === 1 && active + standby === nodes.length) return roles;
    if (Date.now() > deadline) {
      const seen = nodes.map((n, i) => `${n.name}=${roles[i] ?? '?'}`).join(', ');
      throw new Error(`the cluster did not settle on one active node within ${timeoutMs / 1000} s (${seen})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Mounts kv version 2 at secret/ (through any node: standbys forward to the active one). */
export async function mountSecretKv(node: BootNode, rootToken: string): Promise<void> {
  const answer = await callNode(node.addr, 'POST', 'sys/mounts/secret', {
    token: rootToken,
    body: { type: 'kv', options: { version: '2' }, description: 'key/value secret storage' },
  });
  if (answer.status >= 300) throw new Error(`mounting kv at secret/ failed: ${errorsOf(answer)}`);
}

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
