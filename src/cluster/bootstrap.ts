/**
 * What an operator does to a new cluster: `sys/init` on one node, every node unsealed with
 * `threshold` of the shares (one after the other or all at once), optionally a wait until one
 * node is active and the others standby, and kv version 2 mounted at secret/ (as `server -dev`
 * does).
 */
import { type NodeRole, callNode, errorsOf, roleOf } from './node-api.js';

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

/** Key shares and how many of them unseal. */
export interface KeyShares {
  readonly shares: number;
  readonly threshold: number;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Initialises the shared storage through `node`. */
export async function initCluster(node: BootNode, keys: KeyShares): Promise<InitResult> {
  const answer = await callNode(node.addr, 'PUT', 'sys/init', {
    body: { secret_shares: keys.shares, secret_threshold: keys.threshold },
  });
  if (answer.status !== 200) throw new Error(`sys/init on ${node.name} failed: ${errorsOf(answer)}`);
  const keysB64 = stringList(answer.body.keys_base64);
  const keysHex = stringList(answer.body.keys);
  const rootToken = answer.body.root_token;
  if (keysB64.length !== keys.shares || typeof rootToken !== 'string' || rootToken === '') {
    throw new Error(`sys/init on ${node.name} returned no keys or no root token`);
  }
  return { keysB64, keysHex, rootToken };
}

/** Unseals `node` with the first `threshold` shares, as that many key holders would. */
export async function unsealNode(node: BootNode, keys: readonly string[], threshold: number): Promise<void> {
  for (const key of keys.slice(0, threshold)) {
    const answer = await callNode(node.addr, 'PUT', 'sys/unseal', { body: { key } });
    if (answer.status !== 200) throw new Error(`unsealing ${node.name} failed: ${errorsOf(answer)}`);
    if (answer.body.sealed === false) return;
  }
  throw new Error(`${node.name} is still sealed after ${threshold} key shares`);
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

/** How bootstrapCluster goes about it. */
export interface BootstrapOptions extends KeyShares {
  /** Unseal all nodes at once (default: one after the other, in order). */
  readonly parallel?: boolean;
  /** Called between init and unseal (to keep the keys somewhere). */
  readonly onInit?: (init: InitResult) => Promise<void>;
}

/** Initialises through the first node and unseals every node. */
export async function bootstrapCluster(
  nodes: readonly BootNode[],
  options: BootstrapOptions,
): Promise<InitResult> {
  const first = nodes[0];
  if (first === undefined) throw new Error('a cluster needs at least one node');
  const init = await initCluster(first, options);
  await options.onInit?.(init);
  if (options.parallel === true) {
    await Promise.all(nodes.map((n) => unsealNode(n, init.keysB64, options.threshold)));
  } else {
    for (const n of nodes) await unsealNode(n, init.keysB64, options.threshold);
  }
  return init;
}

/** Mounts kv version 2 at secret/ (through any node: standbys forward to the active one). */
export async function mountSecretKv(node: BootNode, rootToken: string): Promise<void> {
  const answer = await callNode(node.addr, 'POST', 'sys/mounts/secret', {
    token: rootToken,
    body: { type: 'kv', options: { version: '2' }, description: 'key/value secret storage' },
  });
  if (answer.status >= 300) throw new Error(`mounting kv at secret/ failed: ${errorsOf(answer)}`);
}
