import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { HaFollower, probePort } from '../../../src/http/ha-follower.js';
import { silentLogger } from '../../../src/helper/logger.js';

/** A port that was just listening and is now closed: the kernel answers RST for it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

describe('probePort (src/http/ha-follower.ts), on real sockets', () => {
  it('says accepting for a listening port and refused once nothing listens there', async () => {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    assert.equal(await probePort('127.0.0.1', port, 1000), 'accepting');
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
    assert.equal(await probePort('127.0.0.1', port, 1000), 'refused');
    assert.equal(await probePort('127.0.0.1', await closedPort(), 1000), 'refused');
  });

  it('proves nothing for a host name that cannot be resolved', async () => {
    assert.equal(await probePort('no-such-host.invalid', 8200, 1000), 'unknown');
  });
});

/**
 * A follow link whose socket closes a moment before the port stops accepting, as when the kernel
 * closes a killed process's descriptors in order: the follower probes again at once rather than
 * waiting out its reconnect back-off, and declares the holder gone without opening the link again.
 * The test's listener speaks the endpoint's first line (src/http/ha-follow-endpoint.ts) and stops
 * listening only after a second probe reached it: a follower that probed once and then re-opened
 * the link would send a second follow request instead.
 */
describe('HaFollower (src/http/ha-follower.ts), when the port outlives the link for a moment', () => {
  it('probes again and declares the holder gone, without a second follow request', async () => {
    let followRequests = 0;
    let connections = 0;
    const linkClosed = { at: 0 };
    const server = http.createServer((req, res) => {
      followRequests++;
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${JSON.stringify({ hold: 'hold-1' })}\n`);
      // The "process dies": the link's socket goes first, the listener stays for two more probes.
      setTimeout(() => {
        linkClosed.at = connections;
        req.socket.destroy();
      }, 50);
    });
    server.on('connection', () => {
      connections++;
      if (linkClosed.at > 0 && connections >= linkClosed.at + 2) server.close();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const follower = new HaFollower({
      nodeId: 'standby',
      key: () => Buffer.alloc(32, 7),
      logger: silentLogger(),
    });
    const why = await new Promise<string>((resolve) => {
      follower.follow({
        leader: { nodeId: 'active', apiAddr: `http://127.0.0.1:${port}`, clusterAddr: '' },
        holdId: 'hold-1',
        gone: resolve,
      });
    });
    follower.stop();
    assert.match(why, /follow link closed and 127\.0\.0\.1:\d+ refuses connections/);
    assert.equal(followRequests, 1, 'the link was not opened again');
    assert.equal(connections, linkClosed.at + 2, 'two probes were accepted, the third refused');
  });
});
