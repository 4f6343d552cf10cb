import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closingProbe, head, rawExchange } from '../helpers/raw-http.js';
import type { RawExchange } from '../helpers/raw-http.js';
import { startTresor } from '../helpers/tresor-process.js';
import type { TresorProcess } from '../helpers/tresor-process.js';

/**
 * Hand-written request bytes on a raw TCP socket: request targets a proxy would honour, and framing
 * that could smuggle a second request. Every exchange ends with a `Connection: close` probe, so the
 * list of answers is exactly what the server chose to send on that connection.
 */
describe('adversarial: request targets and message framing on a raw socket', () => {
  let t: TresorProcess;
  let hostHeader: string;
  let tokenHeader: string;
  const statuses = (x: RawExchange): number[] => x.responses.map((r) => r.status);
  const exchange = (...pieces: string[]): Promise<RawExchange> =>
    rawExchange(t.port, [...pieces, closingProbe(t.port)]);
  const noLeak = (x: RawExchange): void => {
    assert.doesNotMatch(x.raw, /"v":"top-secret"/, 'the secret must not be in any answer');
    for (const r of x.responses) assert.ok(r.status < 500, `no 5xx: ${r.status} ${r.body}`);
  };

  before(async () => {
    t = await startTresor();
    hostHeader = `Host: 127.0.0.1:${t.port}`;
    tokenHeader = `X-Vault-Token: ${t.rootToken}`;
    assert.equal(
      (await t.api('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } })).status,
      204,
    );
    assert.equal((await t.api('POST', 'secret/data/a', { data: { v: 'top-secret' } })).status, 200);
  });
  after(async () => {
    await t.stop();
  });

  it('an absolute-form target is refused with 400, whatever host it names', async () => {
    for (const host of [`127.0.0.1:${t.port}`, 'example.invalid:9', '169.254.169.254']) {
      for (const method of ['GET', 'LIST']) {
        const path = method === 'LIST' ? '/v1/secret/metadata/' : '/v1/secret/data/a';
        const x = await exchange(head(`${method} http://${host}${path} HTTP/1.1`, hostHeader, tokenHeader));
        noLeak(x);
        assert.equal(x.responses[0]?.status, 400, `${method} http://${host}${path}: ${x.responses[0]?.body}`);
      }
    }
  });

  it('scheme-relative and asterisk targets are 4xx and reach no secret', async () => {
    for (const target of [
      `//127.0.0.1:${t.port}/v1/secret/data/a`,
      '//v1/secret/data/a',
      '//example.invalid/v1/secret/data/a',
      '*',
    ]) {
      const x = await exchange(head(`GET ${target} HTTP/1.1`, hostHeader, tokenHeader));
      noLeak(x);
      assert.deepEqual(statuses(x).length, 2, `${target}: one answer, then the probe's`);
      assert.ok([400, 404].includes(statuses(x)[0] ?? 0), `${target}: ${x.responses[0]?.body}`);
      assert.equal(statuses(x)[1], 200);
    }
  });

  it('CONNECT gets no tunnel: the connection is closed without an answer', async () => {
    const x = await exchange(head('CONNECT example.invalid:443 HTTP/1.1', 'Host: example.invalid:443'));
    assert.deepEqual(statuses(x), []);
    assert.equal(x.rest, '');
  });

  it('ambiguous framing is one 400 and the connection closes (nothing after it is parsed)', async () => {
    const post = (...h: string[]): string =>
      head('POST /v1/secret/data/b HTTP/1.1', hostHeader, tokenHeader, ...h);
    const hidden = head('GET /v1/secret/data/a HTTP/1.1', hostHeader, tokenHeader);
    const cases: Record<string, string> = {
      'Content-Length with Transfer-Encoding':
        post('Content-Length: 4', 'Transfer-Encoding: chunked') + `0\r\n\r\n${hidden}`,
      'Transfer-Encoding then Content-Length':
        post('Transfer-Encoding: chunked', 'Content-Length: 60') + `0\r\n\r\n${hidden}`,
      'duplicated Content-Length': post('Content-Length: 2', 'Content-Length: 40') + '{}',
      'Content-Length list': post('Content-Length: 2, 2') + '{}',
      'signed Content-Length': post('Content-Length: +2') + '{}',
      'Transfer-Encoding identity': post('Transfer-Encoding: identity', 'Content-Length: 2') + '{}',
      'unknown Transfer-Encoding': post('Transfer-Encoding: xchunked') + '0\r\n\r\n',
      'duplicated Transfer-Encoding':
        post('Transfer-Encoding: chunked', 'Transfer-Encoding: chunked') + '0\r\n\r\n',
      'space before the colon': post('Transfer-Encoding : chunked') + `0\r\n\r\n${hidden}`,
      'obs-fold header': head(
        'GET /v1/secret/data/a HTTP/1.1',
        hostHeader,
        tokenHeader,
        'X-Foo: a',
        ' folded',
      ),
      'obs-fold Transfer-Encoding': post('Transfer-Encoding:', ' chunked', 'Content-Length: 2') + '{}',
      'bare LF line ends': `GET /v1/secret/data/a HTTP/1.1\n${hostHeader}\n${tokenHeader}\n\n`,
      'NUL in the target': head('GET /v1/secret/data/a\0 HTTP/1.1', hostHeader, tokenHeader),
      'no Host header': head('GET /v1/secret/data/a HTTP/1.1', tokenHeader),
      'HTTP/0.9 request line': 'GET /v1/secret/data/a\r\n',
      'HTTP/2 preface': 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const x = await exchange(bytes);
      noLeak(x);
      assert.deepEqual(statuses(x), [400], `${name}: ${x.raw.slice(0, 300)}`);
    }
  });

  it('oversized headers are 431 and close the connection', async () => {
    // Over Node's 16 KiB header limit, yet small enough to be written whole before the server answers and closes.
    const x = await exchange(head('GET /v1/sys/health HTTP/1.1', hostHeader, `X-Big: ${'a'.repeat(20_000)}`));
    assert.deepEqual(statuses(x), [431]);
    const many = Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`);
    const y = await exchange(head('GET /v1/sys/health HTTP/1.1', hostHeader, ...many));
    assert.equal(statuses(y).length, 1);
    assert.ok([400, 431].includes(statuses(y)[0] ?? 0), `many headers: ${y.raw.slice(0, 200)}`);
  });

  it('a request hidden in a body is data, never a second answer', async () => {
    const inner = head('GET /v1/secret/data/a HTTP/1.1', hostHeader, tokenHeader);
    const json = JSON.stringify({ data: { s: `\r\n\r\n${inner}` } });
    const byLength = await exchange(
      head(
        'PUT /v1/secret/data/smuggle-cl HTTP/1.1',
        hostHeader,
        tokenHeader,
        `Content-Length: ${json.length}`,
      ) + json,
    );
    assert.deepEqual(statuses(byLength), [200, 200]);
    const chunked = `${Buffer.byteLength(json).toString(16)}\r\n${json}\r\n0\r\n\r\n`;
    const byChunks = await exchange(
      head(
        'PUT /v1/secret/data/smuggle-chunked HTTP/1.1',
        hostHeader,
        tokenHeader,
        'Transfer-Encoding: chunked',
      ) + chunked,
    );
    assert.deepEqual(statuses(byChunks), [200, 200]);
    for (const p of ['smuggle-cl', 'smuggle-chunked']) {
      const read = await t.api('GET', `secret/data/${p}`);
      assert.deepEqual(
        (read.body.data as { data: unknown }).data,
        { s: `\r\n\r\n${inner}` },
        `${p}: the body is stored byte for byte`,
      );
    }
    const raw = await exchange(
      head('POST /v1/sys/health HTTP/1.1', hostHeader, `Content-Length: ${inner.length}`) + inner,
    );
    noLeak(raw);
    assert.deepEqual(statuses(raw), [405, 200]);
  });

  it('an Upgrade request gets a plain answer, never a 101', async () => {
    const x = await rawExchange(t.port, [
      head('GET /v1/sys/health HTTP/1.1', hostHeader, 'Connection: Upgrade, close', 'Upgrade: websocket'),
    ]);
    assert.deepEqual(statuses(x), [200]);
  });

  it('two X-Vault-Token headers are not a valid token', async () => {
    const x = await exchange(
      head('GET /v1/secret/data/a HTTP/1.1', hostHeader, tokenHeader, 'X-Vault-Token: garbage'),
    );
    noLeak(x);
    assert.deepEqual(statuses(x), [403, 200]);
  });
});
