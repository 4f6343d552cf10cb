import { PassThrough } from 'node:stream';
import type { Router } from '@koa/router';
import type { Core } from '../core/core.js';
import { VaultError } from '../helper/errors.js';
import {
  FOLLOW_HEADER,
  FOLLOW_KEY_PURPOSE,
  FOLLOW_PATH,
  lostHoldMac,
  verifyFollowRequest,
} from './ha-follow-proof.js';

/** Followers an active node serves at most (a cluster has a handful of standbys). */
const MAX_FOLLOWERS = 64;
/** A blank line this often keeps idle-connection reapers in between from cutting the link. */
const HEARTBEAT_MS = 15_000;

/**
 * `GET /tresor/ha/follow` on the active node (outside /v1/: never forwarded, not Vault's API):
 * a standby of the same cluster (ha-follow-proof.ts) holds this response open. The first line names
 * the active node's hold (`{"hold": id}`); when the hold is lost the node writes
 * `{"lost": id, "mac": …}` so that the followers end it through their own Consul agents, and when
 * it steps down the response just ends. When the process dies, the kernel closes the connection
 * and the follower finds the port refusing connections (ha-follower.ts).
 */
export function registerHaFollow(router: Router, core: Core): void {
  router.get(FOLLOW_PATH, (ctx) => {
    const key = core.deriveClusterKey(FOLLOW_KEY_PURPOSE);
    if (key === undefined) throw new VaultError(503, 'Vault is sealed', true);
    if (verifyFollowRequest(key, ctx.get(FOLLOW_HEADER)) === undefined)
      throw new VaultError(403, 'permission denied');
    const announcer = core.haAnnouncer;
    const hold = announcer?.current;
    if (announcer === undefined || hold === undefined || core.state.role !== 'active')
      throw new VaultError(503, 'this node is not the active node', true);
    if (announcer.followers >= MAX_FOLLOWERS) throw new VaultError(503, 'too many followers', true);
    const stream = new PassThrough();
    const heartbeat = setInterval(() => stream.write('\n'), HEARTBEAT_MS);
    const unsubscribe = announcer.subscribe((ended) => {
      if (ended.holdId !== hold) return;
      stream.end(ended.lost ? `${JSON.stringify({ lost: hold, mac: lostHoldMac(key, hold) })}\n` : undefined);
    });
    const done = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
    };
    stream.once('close', done);
    ctx.res.once('close', () => {
      done();
      stream.destroy();
    });
    ctx.req.socket.setNoDelay(true);
    ctx.status = 200;
    ctx.type = 'application/x-ndjson';
    ctx.body = stream;
    stream.write(`${JSON.stringify({ hold })}\n`);
  });
}
