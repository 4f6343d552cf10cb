import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closingProbe, head, rawExchange } from '../../helpers/raw-http.js';
import type { RawResponse } from '../../helpers/raw-http.js';
import { startTresor, tokenWithPolicy } from '../../helpers/tresor-process.js';
import type { TresorProcess } from '../../helpers/tresor-process.js';
import { startHaCluster } from '../../helpers/ha-cluster.js';
import type { HaCluster } from '../../helpers/ha-cluster.js';
import { CONSUL_START_TIMEOUT } from '../../helpers/consul.js';

/**
 * A request sent with the LIST method is a list, whatever its query says (`?list=false` too),
 * and is authorised as one; a GET is a list only with `?list=true`, as in Vault; and nothing a
 * client sends (a header, an encoded `list` parameter) turns one into the other.
 */

describe('the LIST method over raw sockets, on a real server', () => {
  let t: TresorProcess;
  let readOnly = '';
  let listOnly = '';

  before(async () => {
    t = await startTresor();
    const mount = await t.api('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '1' } });
    assert.equal(mount.status, 204, mount.text);
    for (const [path, body] of [
      ['secret/a', { x: 'read-me' }],
      ['secret/a/b', { y: 'nested' }],
    ] as const) {
      const r = await t.api('PUT', path, body);
      assert.equal(r.status, 204, r.text);
    }
    readOnly = await tokenWithPolicy(t, 'secret-read', 'path "secret/*" { capabilities = ["read"] }');
    listOnly = await tokenWithPolicy(t, 'secret-list', 'path "secret/*" { capabilities = ["list"] }');
  });
  after(async () => {
    await t.stop();
  });

  /** Sends each request line (with the root token unless one is given) on one connection; returns the answers. */
  async function send(
    requests: { line: string; token?: string; headers?: string[] }[],
  ): Promise<RawResponse[]> {
    const host = `Host: 127.0.0.1:${t.port}`;
    const pieces = requests.map((r) =>
      head(`${r.line} HTTP/1.1`, host, `X-Vault-Token: ${r.token ?? t.rootToken}`, ...(r.headers ?? [])),
    );
    const exchange = await rawExchange(t.port, [...pieces, closingProbe(t.port)]);
    assert.equal(exchange.responses.length, requests.length + 1, exchange.raw);
    return exchange.responses.slice(0, requests.length);
  }

  const one = (r: RawResponse | undefined): RawResponse => {
    assert.ok(r !== undefined);
    return r;
  };
  const keysOf = (r: RawResponse | undefined): unknown => {
    assert.ok(r !== undefined);
    assert.equal(r.status, 200, r.body);
    return (JSON.parse(r.body) as { data: { keys: unknown } }).data.keys;
  };
  const dataOf = (r: RawResponse | undefined): unknown => {
    assert.ok(r !== undefined);
    assert.equal(r.status, 200, r.body);
    return (JSON.parse(r.body) as { data: unknown }).data;
  };

  it('LIST is a list whatever its query says', async () => {
    const [root, a, encoded, spelled] = await send([
      { line: 'LIST /v1/secret/?list=false' },
      { line: 'LIST /v1/secret/a?list=false' },
      { line: 'LIST /v1/secret/a?li%73t=false' },
      { line: 'LIST /v1/secret/a?list=0&list=f&list' },
    ]);
    assert.deepEqual(keysOf(root), ['a', 'a/']);
    assert.deepEqual(keysOf(a), ['b']);
    assert.deepEqual(keysOf(encoded), ['b']);
    assert.deepEqual(keysOf(spelled), ['b']);
  });

  it('a GET is a list only with ?list=true, as in Vault', async () => {
    const [list, read, plain, bad] = await send([
      { line: 'GET /v1/secret/a?list=true' },
      { line: 'GET /v1/secret/a?list=false' },
      { line: 'GET /v1/secret/a' },
      { line: 'GET /v1/secret/a?list=maybe' },
    ]);
    assert.deepEqual(keysOf(list), ['b']);
    assert.deepEqual(dataOf(read), { x: 'read-me' });
    assert.deepEqual(dataOf(plain), { x: 'read-me' });
    assert.equal(one(bad).status, 400);
    assert.match(one(bad).body, /invalid value for \\"list\\" query parameter/);
  });

  it('a client cannot mark a request as LIST (or unmark one) with a header', async () => {
    const [marked, listed] = await send([
      { line: 'GET /v1/secret/a', headers: ['x-tresor-original-method: LIST'] },
      { line: 'LIST /v1/secret/a?list=false', headers: ['x-tresor-original-method: GET'] },
    ]);
    assert.deepEqual(dataOf(marked), { x: 'read-me' });
    assert.deepEqual(keysOf(listed), ['b']);
  });

  it('LIST ?list=false is authorised as a list: read-only tokens are refused, list-only ones served', async () => {
    const [readDenied, listServed, readServed] = await send([
      { line: 'LIST /v1/secret/a?list=false', token: readOnly },
      { line: 'LIST /v1/secret/a?list=false', token: listOnly },
      { line: 'GET /v1/secret/a', token: readOnly },
    ]);
    assert.equal(one(readDenied).status, 403, one(readDenied).body);
    assert.doesNotMatch(one(readDenied).body, /read-me/);
    assert.deepEqual(keysOf(listServed), ['b']);
    assert.deepEqual(dataOf(readServed), { x: 'read-me' });
  });
});

describe('the LIST method through a standby (two HA nodes on Consul)', () => {
  let cluster: HaCluster;
  let standbyPort = 0;

  before(
    async () => {
      cluster = await startHaCluster(2);
      const active = await cluster.active(30_000);
      const standby = cluster.nodes.find((n) => n !== active);
      assert.ok(standby !== undefined);
      standbyPort = Number(new URL(standby.addr).port);
      const mount = await cluster.api(
        active,
        'POST',
        'sys/mounts/secret',
        { type: 'kv', options: { version: '1' } },
        cluster.rootToken,
      );
      assert.equal(mount.status, 204, JSON.stringify(mount.body));
      for (const [path, body] of [
        ['secret/a', { x: 'read-me' }],
        ['secret/a/b', { y: 'nested' }],
      ] as const) {
        const r = await cluster.api(active, 'PUT', path, body, cluster.rootToken);
        assert.equal(r.status, 204, JSON.stringify(r.body));
      }
    },
    { timeout: CONSUL_START_TIMEOUT },
  );
  after(async () => {
    await cluster.stop();
  });

  it('a forwarded LIST ?list=false is still a list on the active node, and a GET still a read', async () => {
    const host = `Host: 127.0.0.1:${standbyPort}`;
    const token = `X-Vault-Token: ${cluster.rootToken}`;
    const exchange = await rawExchange(standbyPort, [
      head('LIST /v1/secret/a?list=false HTTP/1.1', host, token),
      head('GET /v1/secret/a?list=false HTTP/1.1', host, token),
      closingProbe(standbyPort),
    ]);
    const [list, read] = exchange.responses;
    assert.equal(list?.status, 200, exchange.raw);
    assert.deepEqual((JSON.parse(list.body) as { data: { keys: unknown } }).data.keys, ['b']);
    assert.equal(read?.status, 200, exchange.raw);
    assert.deepEqual((JSON.parse(read.body) as { data: unknown }).data, { x: 'read-me' });
  });
});
