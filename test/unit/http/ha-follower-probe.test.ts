import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { probePort } from '../../../src/http/ha-follower.js';

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
