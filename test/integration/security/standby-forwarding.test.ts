import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { startHaCluster } from '../../helpers/ha-cluster.js';
import type { HaCluster, HaNode } from '../../helpers/ha-cluster.js';
import { CONSUL_START_TIMEOUT } from '../../helpers/consul.js';

/** Client source addresses (all of 127/8 is loopback on Linux); the nodes are 127.0.0.2 and .3. */
const INSIDE = '127.0.0.50';
const OUTSIDE = '127.0.0.60';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

function hostPort(node: HaNode): { host: string; port: number } {
  const u = new URL(node.addr);
  return { host: u.hostname, port: Number(u.port) };
}

function dechunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (eol < 0 || !(size > 0)) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

/** Writes `head` (request line and headers, without the blank line) and `body` on a fresh socket. */
function raw(node: HaNode, head: string, opts: { body?: string; from?: string } = {}): Promise<RawResponse> {
  const body = opts.body ?? '';
  const bytes = `${head}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  return new Promise((resolve, reject) => {
    const sock = net.connect({
      ...hostPort(node),
      ...(opts.from === undefined ? {} : { localAddress: opts.from }),
    });
    const chunks: Buffer[] = [];
    sock.setTimeout(10_000, () => sock.destroy(new Error(`no answer to ${head.split('\r\n')[0] ?? ''}`)));
    sock.on('connect', () => sock.write(bytes));
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => {
      const all = Buffer.concat(chunks).toString('utf8');
      const [headPart = '', ...rest] = all.split('\r\n\r\n');
      const [statusLine = '', ...lines] = headPart.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const text = rest.join('\r\n\r\n');
      resolve({
        status: Number(statusLine.split(' ')[1] ?? 0),
        headers,
        text: headers['transfer-encoding'] === 'chunked' ? dechunk(text) : text,
      });
    });
  });
}

function request(
  node: HaNode,
  method: string,
  path: string,
  o: { token?: string; from?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const { host, port } = hostPort(node);
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${host}:${port}`];
  if (o.token !== undefined) lines.push(`X-Vault-Token: ${o.token}`);
  for (const [k, v] of Object.entries(o.headers ?? {})) lines.push(`${k}: ${v}`);
  return raw(node, lines.join('\r\n'), {
    ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
    ...(o.from === undefined ? {} : { from: o.from }),
  });
}

/** A would-be victim of an open proxy: counts every request that reaches it. */
async function startVictim(): Promise<{ port: number; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method ?? ''} ${req.url ?? ''}`);
    res.end('victim says hello');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => {
          r();
        });
        server.closeAllConnections();
      }),
  };
}

describe(
  'standby forwarding is not an open proxy and keeps the client address',
  { timeout: CONSUL_START_TIMEOUT },
  () => {
    let c: HaCluster;
    let active: HaNode;
    let standby: HaNode;
    let victim: Awaited<ReturnType<typeof startVictim>>;

    before(
      async () => {
        victim = await startVictim();
        c = await startHaCluster(2, '', { distinctIps: true });
        active = await c.active();
        standby = c.nodes.find((n) => n !== active)!;
        await waitForLeader(standby);
        assert.equal(
          (
            await c.api(
              active,
              'POST',
              'sys/mounts/secret',
              { type: 'kv', options: { version: '2' } },
              c.rootToken,
            )
          ).status,
          204,
        );
        assert.equal(
          (await c.api(active, 'POST', 'sys/auth/userpass', { type: 'userpass' }, c.rootToken)).status,
          204,
        );
        const inside = await c.api(
          active,
          'POST',
          'auth/userpass/users/inside',
          { password: 'pw-inside', token_bound_cidrs: [`${INSIDE}/32`] },
          c.rootToken,
        );
        assert.equal(inside.status, 204);
        // the standby's own addresses: its listener and the loopback source its outgoing connections use
        const standbyIp = new URL(standby.addr).hostname;
        const bypass = await c.api(
          active,
          'POST',
          'auth/userpass/users/bypass',
          { password: 'pw-bypass', token_bound_cidrs: [`${standbyIp}/32`, '127.0.0.1/32'] },
          c.rootToken,
        );
        assert.equal(bypass.status, 204);
      },
      { timeout: CONSUL_START_TIMEOUT },
    );
    after(async () => {
      await c.stop();
      await victim.close();
    });

    async function waitForLeader(node: HaNode): Promise<void> {
      const deadline = Date.now() + 15_000;
      while ((await c.api(node, 'GET', 'sys/leader')).body.leader_address !== active.addr) {
        if (Date.now() > deadline) throw new Error(`${node.name} never learnt the leader`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    it('refuses absolute-form request targets with 400 on the standby and on the active', async () => {
      const v = `127.0.0.1:${victim.port}`;
      for (const node of [standby, active]) {
        for (const [method, target] of [
          ['GET', `http://${v}/v1/secret/data/x`],
          ['POST', `http://${v}/v1/secret/data/x`],
          ['GET', `http://${v}/x`],
          ['GET', `https://${v}/v1/sys/mounts`],
        ] as const) {
          const res = await raw(
            node,
            `${method} ${target} HTTP/1.1\r\nHost: ${v}\r\nX-Vault-Token: ${c.rootToken}`,
            { body: method === 'POST' ? '{"data":{"a":1}}' : '' },
          );
          assert.equal(res.status, 400, `${node.name} ${method} ${target}: ${res.text}`);
          assert.match(res.text, /request target must be a path beginning with/);
          assert.equal(res.headers.location, undefined);
        }
      }
      assert.deepEqual(victim.hits, []);
    });

    it('scheme-relative and path-trick targets never reach another host', async () => {
      const v = `127.0.0.1:${victim.port}`;
      const targets = [
        `//${v}/v1/secret/data/x`,
        `//${v}/x`,
        `///${v}/v1/x`,
        '/v1/..%2f..',
        `/v1/..%2f..%2f${v}/x`,
        `/v1/@${v}/x`,
        `/v1//${v}/x`,
        `/v1/%2f%2f${v}/x`,
      ];
      for (const target of targets) {
        const res = await request(standby, 'GET', target, { token: c.rootToken });
        assert.ok(res.status >= 400 && res.status < 500, `${target}: ${res.status} ${res.text}`);
        assert.doesNotMatch(res.text, /victim says hello/);
      }
      // the non-/v1/ ones are answered by the standby itself
      const local = await request(standby, 'GET', `//${v}/v1/secret/data/x`, { token: c.rootToken });
      assert.equal(local.status, 404);
      assert.match(local.text, /unsupported path/);
      assert.deepEqual(victim.hits, []);
    });

    it('a login and a token bound to a client CIDR work through the standby from inside it', async () => {
      const login = await request(standby, 'POST', '/v1/auth/userpass/login/inside', {
        from: INSIDE,
        body: { password: 'pw-inside' },
      });
      assert.equal(login.status, 200, login.text);
      const token = (JSON.parse(login.text) as { auth: { client_token: string } }).auth.client_token;
      assert.equal(
        (await request(standby, 'GET', '/v1/auth/token/lookup-self', { token, from: INSIDE })).status,
        200,
      );
      const outside = await request(standby, 'GET', '/v1/auth/token/lookup-self', { token, from: OUTSIDE });
      assert.equal(outside.status, 403, outside.text);
      assert.equal(
        (await request(active, 'GET', '/v1/auth/token/lookup-self', { token, from: OUTSIDE })).status,
        403,
      );
    });

    it('a binding to the standby address does not let an outside client through the standby', async () => {
      const login = await request(standby, 'POST', '/v1/auth/userpass/login/bypass', {
        from: OUTSIDE,
        body: { password: 'pw-bypass' },
      });
      assert.equal(login.status, 400, login.text);
      assert.match(login.text, /invalid CIDR/);
      const fromInsideToo = await request(standby, 'POST', '/v1/auth/userpass/login/inside', {
        from: OUTSIDE,
        body: { password: 'pw-inside' },
      });
      assert.equal(fromInsideToo.status, 400, fromInsideToo.text);
    });

    it('ignores a forged forwarded-client vouch sent to the active by a client', async () => {
      const login = await request(active, 'POST', '/v1/auth/userpass/login/inside', {
        from: INSIDE,
        body: { password: 'pw-inside' },
      });
      assert.equal(login.status, 200, login.text);
      const token = (JSON.parse(login.text) as { auth: { client_token: string } }).auth.client_token;
      const nonce = randomBytes(16).toString('hex');
      const forged = `v1 ${INSIDE} ${Date.now()} ${nonce} ${randomBytes(32).toString('base64url')}`;
      for (const headers of [
        { 'X-Tresor-Forwarded-Client': forged },
        {
          'X-Tresor-Forwarded-Client': forged,
          'X-Tresor-Forwarded-By': 'someone',
          'X-Forwarded-For': INSIDE,
        },
        { 'X-Tresor-Forwarded-Client': INSIDE },
      ]) {
        const used = await request(active, 'GET', '/v1/auth/token/lookup-self', {
          token,
          from: OUTSIDE,
          headers,
        });
        assert.equal(used.status, 403, `${JSON.stringify(headers)}: ${used.text}`);
        const login2 = await request(active, 'POST', '/v1/auth/userpass/login/inside', {
          from: OUTSIDE,
          body: { password: 'pw-inside' },
          headers,
        });
        assert.equal(login2.status, 400, login2.text);
      }
      // and a client's own vouch sent through the standby is replaced, not passed on
      const via = await request(standby, 'GET', '/v1/auth/token/lookup-self', {
        token,
        from: OUTSIDE,
        headers: { 'X-Tresor-Forwarded-Client': forged },
      });
      assert.equal(via.status, 403, via.text);
    });

    it('in 307 mode (standby_redirect) the Location always names the leader', async () => {
      const config = await readFile(standby.config, 'utf8');
      await writeFile(
        standby.config,
        config.replace('  tls_disable = true\n', '  tls_disable = true\n  standby_redirect = true\n'),
      );
      await standby.process?.kill();
      await standby.start();
      await waitForLeader(standby);
      const leader = new URL(active.addr).origin;
      const v = `127.0.0.1:${victim.port}`;
      const ok = await request(standby, 'GET', '/v1/secret/data/x?version=1', { token: c.rootToken });
      assert.equal(ok.status, 307, ok.text);
      assert.equal(ok.headers.location, `${leader}/v1/secret/data/x?version=1`);
      for (const target of [`/v1//${v}/x`, `/v1/..%2f..%2f${v}/x`, `/v1/@${v}/x`, `/v1/\\\\${v}/x`]) {
        const res = await request(standby, 'GET', target, { token: c.rootToken });
        assert.equal(res.status, 307, `${target}: ${res.text}`);
        assert.equal(
          new URL(res.headers.location ?? '').origin,
          leader,
          `${target} → ${res.headers.location ?? ''}`,
        );
      }
      for (const target of [`//${v}/v1/secret/data/x`, `http://${v}/v1/secret/data/x`]) {
        const res = await request(standby, 'GET', target, { token: c.rootToken });
        assert.ok(res.status === 400 || res.status === 404, `${target}: ${res.status}`);
        assert.equal(res.headers.location, undefined, `${target} → ${res.headers.location ?? ''}`);
      }
      assert.deepEqual(victim.hits, []);
    });
  },
);
