import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../helper/constant-time.js';

/**
 * Authentication of the HA follow link (ha-follow-endpoint.ts, ha-follower.ts) under a key every
 * unsealed node of the cluster derives alike (Core.deriveClusterKey): a standby proves it is a
 * member when it opens the link, and the active node's "my hold is lost, end it" line carries a
 * MAC, so that nobody without the key can make standbys end a live node's hold.
 */
export const FOLLOW_PATH = '/tresor/ha/follow';
export const FOLLOW_HEADER = 'x-tresor-follow';
/** The HKDF purpose of the follow key. */
export const FOLLOW_KEY_PURPOSE = 'tresor/ha/follow/v1';
/** How far a proof's timestamp may be from the verifier's clock. */
const WINDOW_MS = 30_000;

function mac(key: Buffer, parts: readonly string[]): string {
  return createHmac('sha256', key).update(JSON.stringify(parts)).digest('base64url');
}

/** The header value a follower sends: `v1 <node id> <ms> <nonce> <mac>`. */
export function signFollowRequest(key: Buffer, nodeId: string, now = Date.now()): string {
  const ts = String(now);
  const nonce = randomBytes(12).toString('base64url');
  return `v1 ${nodeId} ${ts} ${nonce} ${mac(key, ['v1', 'follow', nodeId, ts, nonce])}`;
}

/** The follower's node id when the header verifies (within the time window), else undefined. */
export function verifyFollowRequest(key: Buffer, header: string, now = Date.now()): string | undefined {
  const [version, nodeId, ts, nonce, given, ...rest] = header.split(' ');
  if (version !== 'v1' || rest.length > 0 || !nodeId || !ts || !nonce || !given) return undefined;
  const at = Number(ts);
  if (!/^\d{1,16}$/.test(ts) || Math.abs(now - at) > WINDOW_MS) return undefined;
  return constantTimeEqual(given, mac(key, ['v1', 'follow', nodeId, ts, nonce])) ? nodeId : undefined;
}

/** The MAC of the line announcing that hold `holdId` is lost. */
export function lostHoldMac(key: Buffer, holdId: string): string {
  return mac(key, ['v1', 'lost', holdId]);
}
