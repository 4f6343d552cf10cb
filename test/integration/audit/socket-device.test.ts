import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTresor, type TresorProcess } from '../../helpers/tresor-process.js';

const TIMEOUT = 120_000;

interface Entry {
  type: string;
  request: { path: string; operation: string };
  error?: string;
}

/** What a listener of the test received: whole lines, parsed. */
class Received {
  private text = '';
  add(chunk: Buffer | string): void {
    this.text += chunk.toString();
  }
  get entries(): Entry[] {
    return this.text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Entry);
  }
  /** Waits (bounded) for an entry `match` accepts. */
  async waitFor(match: (e: Entry) => boolean): Promise<Entry[]> {
    const deadline = Date.now() + 10_000;
    while (!this.entries.some(match)) {
      if (Date.now() > deadline)
        throw new Error(`no matching entry: ${JSON.stringify(this.entries.slice(-4))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return this.entries;
  }
}

const isWrite = (path: string) => (e: Entry) => e.type === 'response' && e.request.path === path;

/** A stream listener of the test; `stop` closes it and every connection it accepted. */
async function streamListener(
  listen: (s: net.Server) => Promise<void>,
): Promise<{ server: net.Server; got: Received; stop: () => Promise<void> }> {
  const got = new Received();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk) => {
      got.add(chunk);
    });
    socket.on('error', () => undefined);
  });
  await listen(server);
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => {
        resolve();
      });
    });
  return { server, got, stop };
}

/**
 * The `socket` audit device on a real server process, to listeners the test runs: tcp, udp and a
 * unix socket receive the entries; with nobody listening the device cannot record, so requests
 * fail closed, and it reconnects by itself once someone listens again; a peer that stops reading
 * makes requests fail within write_timeout instead of hanging.
 */
describe('audit device "socket" on a real server', () => {
  let t: TresorProcess;
  let dir: string;

  before(
    async () => {
      t = await startTresor();
      dir = await mkdtemp(join(tmpdir(), 'tresor-audit-socket-'));
      assert.equal(
        (await t.api('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } })).status,
        204,
      );
    },
    { timeout: TIMEOUT },
  );

  after(async () => {
    await t.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends the entries over tcp, udp and a unix socket', { timeout: TIMEOUT }, async () => {
    const tcp = await streamListener((s) => new Promise((r) => s.listen(0, '127.0.0.1', r)));
    const unixPath = join(dir, 'audit.sock');
    const unix = await streamListener((s) => new Promise((r) => s.listen(unixPath, r)));
    const udpGot = new Received();
    const udp = dgram.createSocket('udp4');
    udp.on('message', (m) => {
      udpGot.add(m);
    });
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    try {
      const devices: [string, Record<string, string>][] = [
        ['tcp', { address: `127.0.0.1:${(tcp.server.address() as AddressInfo).port}` }],
        ['udp', { address: `127.0.0.1:${udp.address().port}`, socket_type: 'udp' }],
        ['unix', { address: unixPath, socket_type: 'unix' }],
      ];
      for (const [path, options] of devices) {
        const res = await t.api('PUT', `sys/audit/${path}`, { type: 'socket', options });
        assert.equal(res.status, 204, `${path}: ${res.text}`);
      }
      assert.equal((await t.api('POST', 'secret/data/sock', { data: { v: 'x' } })).status, 200);
      for (const got of [tcp.got, udpGot, unix.got]) {
        const all = await got.waitFor(isWrite('secret/data/sock'));
        assert.equal(all[0]?.request.path, 'sys/audit/test', 'the test message came first');
        assert.ok(all.some((e) => e.type === 'request' && e.request.path === 'secret/data/sock'));
      }
      for (const [path] of devices) assert.equal((await t.api('DELETE', `sys/audit/${path}`)).status, 204);
    } finally {
      udp.close();
      await tcp.stop();
      await unix.stop();
    }
  });

  it('fails closed while nobody listens, and reconnects by itself', { timeout: TIMEOUT }, async () => {
    const first = await streamListener((s) => new Promise((r) => s.listen(0, '127.0.0.1', r)));
    const port = (first.server.address() as AddressInfo).port;
    assert.equal(
      (await t.api('PUT', 'sys/audit/tcp', { type: 'socket', options: { address: `127.0.0.1:${port}` } }))
        .status,
      204,
    );
    assert.equal((await t.api('POST', 'secret/data/sock2', { data: { v: 'one' } })).status, 200);
    await first.got.waitFor(isWrite('secret/data/sock2'));
    await first.stop();

    // Nobody listens: once the device has seen its connection go (a write may still have reached
    // the kernel before the reset came back), it cannot record, and requests are refused.
    let refused: Awaited<ReturnType<TresorProcess['api']>> | undefined;
    let refusedValue = '';
    for (let i = 0; i < 20 && refused === undefined; i++) {
      const res = await t.api('POST', 'secret/data/sock2', { data: { v: `try-${i}` } });
      if (res.status === 500) {
        refused = res;
        refusedValue = `try-${i}`;
      } else await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(refused !== undefined, 'no request was refused while nobody listened');
    assert.deepEqual(refused.body, { errors: ['internal error'] });

    const second = await streamListener((s) => new Promise((r) => s.listen(port, '127.0.0.1', r)));
    try {
      const read = await t.api('GET', 'secret/data/sock2');
      assert.equal(read.status, 200, read.text);
      assert.notEqual(
        (read.body.data as { data: { v: string } }).data.v,
        refusedValue,
        'the refused write never happened',
      );
      await second.got.waitFor((e) => e.type === 'response' && e.request.path === 'secret/data/sock2');
      assert.equal((await t.api('DELETE', 'sys/audit/tcp')).status, 204);
    } finally {
      await second.stop();
    }
  });

  it(
    'fails requests within write_timeout while the peer stops reading, and recovers when it reads again',
    { timeout: TIMEOUT },
    async () => {
      const path = join(dir, 'slow.sock');
      const accepted: net.Socket[] = [];
      const got = new Received();
      const server = net.createServer((socket) => {
        accepted.push(socket);
        socket.on('data', (chunk) => {
          got.add(chunk);
        });
        socket.on('error', () => undefined);
      });
      await new Promise<void>((r) => server.listen(path, r));
      try {
        // log_raw keeps the values in the entries, so that a few requests fill the socket's buffers.
        const options = { address: path, socket_type: 'unix', log_raw: 'true', write_timeout: '500ms' };
        assert.equal((await t.api('PUT', 'sys/audit/slow', { type: 'socket', options })).status, 204);
        for (const socket of accepted) socket.pause();
        const big = 'x'.repeat(256 * 1024);
        let refused = false;
        for (let i = 0; i < 40 && !refused; i++) {
          const res = await t.api('POST', 'secret/data/slow', { data: { v: big, i } });
          if (res.status === 500) refused = true;
          else assert.equal(res.status, 200, res.text);
        }
        assert.ok(refused, 'a peer that stopped reading never made a request fail');
        for (const socket of accepted) socket.resume();
        let served = false;
        for (let i = 0; i < 40 && !served; i++) {
          served = (await t.api('POST', 'secret/data/slow', { data: { v: 'small' } })).status === 200;
          if (!served) await new Promise((r) => setTimeout(r, 100));
        }
        assert.ok(served, 'the device recovered once the peer read again');
        await got.waitFor(
          (e) => e.type === 'response' && e.request.path === 'secret/data/slow' && e.error === undefined,
        );
        assert.equal((await t.api('DELETE', 'sys/audit/slow')).status, 204);
      } finally {
        for (const socket of accepted) socket.destroy();
        await new Promise<void>((r) =>
          server.close(() => {
            r();
          }),
        );
      }
    },
  );

  it('refuses bad options with a 400', { timeout: TIMEOUT }, async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /address is required/],
      [{ address: 'nohost' }, /host:port/],
      [{ address: '127.0.0.1:1', socket_type: 'sctp' }, /socket_type must be tcp, udp or unix/],
      [{ address: '127.0.0.1:1', write_timeout: 'soon' }, /write_timeout/],
      [{ address: '127.0.0.1:1' }, /audit backend failed test message/],
    ];
    for (const [options, message] of cases) {
      const res = await t.api('PUT', 'sys/audit/bad', { type: 'socket', options });
      assert.equal(res.status, 400, `${JSON.stringify(options)}: ${res.text}`);
      assert.match((res.body.errors as string[]).join('; '), message);
    }
    assert.deepEqual((await t.api('GET', 'sys/audit')).body.data, {});
  });
});
