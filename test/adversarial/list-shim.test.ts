import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closingProbe, head, rawExchange } from '../helpers/raw-http.js';
import type { RawExchange } from '../helpers/raw-http.js';
import { startTresor, tokenWithPolicy } from '../helpers/tresor-process.js';
import type { TresorProcess } from '../helpers/tresor-process.js';

/**
 * The connection-level LIST rewriter (src/http/list-method-shim.ts) attacked with raw bytes: LIST
 * split byte by byte, pipelined, hidden in bodies, in lower case, with framing it must give up on,
 * and the marker header it adds sent by a client itself.
 */
describe('adversarial: the LIST method shim on a raw socket', () => {
  let t: TresorProcess;
  let hostHeader: string;
  let root: string;
  let lister: string;
  let reader: string;
  const statuses = (x: RawExchange): number[] => x.responses.map((r) => r.status);
  const exchange = (...pieces: string[]): Promise<RawExchange> =>
    rawExchange(t.port, [...pieces, closingProbe(t.port)]);
  const list = (token: string, target = '/v1/secret/metadata/', ...extra: string[]): string =>
    head(`LIST ${target} HTTP/1.1`, hostHeader, `X-Vault-Token: ${token}`, ...extra);
  const keysOf = (body: string): unknown => (JSON.parse(body) as { data?: { keys?: unknown } }).data?.keys;
  /** A list answer naming a and b (other tests add keys beside them). */
  const listsAandB = (x: RawExchange, i = 0): void => {
    const keys = keysOf(x.responses[i]?.body ?? '{}');
    assert.ok(
      Array.isArray(keys) && keys.includes('a') && keys.includes('b'),
      `answer ${i}: ${x.responses[i]?.body}`,
    );
  };

  before(async () => {
    t = await startTresor();
    hostHeader = `Host: 127.0.0.1:${t.port}`;
    root = `X-Vault-Token: ${t.rootToken}`;
    assert.equal(
      (await t.api('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } })).status,
      204,
    );
    assert.equal((await t.api('POST', 'secret/data/a', { data: { v: 'list-shim-secret' } })).status, 200);
    assert.equal((await t.api('POST', 'secret/data/b', { data: { v: 'other' } })).status, 200);
    lister = await tokenWithPolicy(
      t,
      'lister',
      'path "secret/metadata/*" { capabilities = ["list"] }\npath "secret/metadata/" { capabilities = ["list"] }',
    );
    reader = await tokenWithPolicy(t, 'reader', 'path "secret/data/*" { capabilities = ["read"] }');
  });
  after(async () => {
    await t.stop();
  });

  it('LIST split byte by byte is one list answer', async () => {
    const bytes = list(t.rootToken).split('');
    const x = await rawExchange(t.port, [...bytes, ...closingProbe(t.port).split('')]);
    assert.deepEqual(statuses(x), [200, 200]);
    listsAandB(x, 0);
  });

  it('pipelined LISTs in one write get one answer each, in order', async () => {
    const x = await exchange(
      list(t.rootToken) +
        head('GET /v1/secret/data/a HTTP/1.1', hostHeader, root) +
        list(t.rootToken, '/v1/secret/metadata/?x=1'),
    );
    assert.deepEqual(statuses(x), [200, 200, 200, 200]);
    listsAandB(x, 0);
    assert.match(x.responses[1]?.body ?? '', /list-shim-secret/);
    listsAandB(x, 2);
  });

  it('a LIST line inside a body is neither rewritten nor answered', async () => {
    const inner = list(t.rootToken);
    const raw = await exchange(
      head('PUT /v1/secret/data/c HTTP/1.1', hostHeader, root, `Content-Length: ${inner.length}`) + inner,
    );
    assert.deepEqual(statuses(raw), [400, 200], 'the body is parsed as (invalid) JSON, not as a request');
    assert.match(raw.responses[0]?.body ?? '', /JSON/);
    const json = JSON.stringify({ data: { s: `\r\n${inner}` } });
    const chunked = `${Buffer.byteLength(json).toString(16)}\r\n${json}\r\n0\r\n\r\n`;
    const x = await exchange(
      head('PUT /v1/secret/data/c HTTP/1.1', hostHeader, root, 'Transfer-Encoding: chunked') + chunked,
    );
    assert.deepEqual(statuses(x), [200, 200]);
    const read = await t.api('GET', 'secret/data/c');
    assert.deepEqual(
      (read.body.data as { data: unknown }).data,
      { s: `\r\n${inner}` },
      'the body reaches the engine unchanged',
    );
  });

  it('malformed LIST lines and LIST with ambiguous framing are one 400 and a closed connection', async () => {
    const cases: Record<string, string> = {
      'lower-case list': head('list /v1/secret/metadata/ HTTP/1.1', hostHeader, root),
      'mixed-case List': head('List /v1/secret/metadata/ HTTP/1.1', hostHeader, root),
      LISTX: head('LISTX /v1/secret/metadata/ HTTP/1.1', hostHeader, root),
      'two spaces': head('LIST  /v1/secret/metadata/ HTTP/1.1', hostHeader, root),
      tab: head('LIST\t/v1/secret/metadata/ HTTP/1.1', hostHeader, root),
      'no version': 'LIST /v1/secret/metadata/\r\n\r\n',
      'bare LF': `LIST /v1/secret/metadata/ HTTP/1.1\n${hostHeader}\n${root}\n\n`,
      'Content-Length with Transfer-Encoding':
        list(t.rootToken, '/v1/secret/metadata/', 'Content-Length: 3', 'Transfer-Encoding: chunked') +
        '0\r\n\r\n',
      'duplicated Content-Length': list(
        t.rootToken,
        '/v1/secret/metadata/',
        'Content-Length: 0',
        'Content-Length: 5',
      ),
      'oversized target': list(t.rootToken, `/v1/secret/metadata/${'a'.repeat(70_000)}`),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const x = await exchange(bytes);
      assert.ok(
        statuses(x).length === 1 && [400, 414, 431].includes(statuses(x)[0] ?? 0),
        `${name}: ${statuses(x).join(',')} ${x.raw.slice(0, 200)}`,
      );
      assert.doesNotMatch(x.raw, /"keys"/);
    }
  });

  it('a LIST hidden behind a Content-Length body is part of that body', async () => {
    // the PUT's body is exactly the bytes of a LIST request: no second answer, no list
    const inner = list(t.rootToken);
    const x = await exchange(
      head('POST /v1/sys/health HTTP/1.1', hostHeader, `Content-Length: ${inner.length}`) + inner,
    );
    assert.deepEqual(statuses(x), [405, 200]);
    assert.doesNotMatch(x.raw, /"keys"/);
  });

  it('the marker header sent by a client grants nothing its token lacks', async () => {
    const marker = 'x-tresor-original-method: LIST';
    // list-only token + marker on a data path: neither a list nor a read of secret/data/a is allowed
    const a = await exchange(
      head('GET /v1/secret/data/a HTTP/1.1', hostHeader, `X-Vault-Token: ${lister}`, marker),
    );
    assert.deepEqual(statuses(a), [403, 200]);
    assert.doesNotMatch(a.raw, /list-shim-secret/);
    // read-only token + marker on the metadata listing: no list capability, so no keys
    const b = await exchange(
      head('GET /v1/secret/metadata/ HTTP/1.1', hostHeader, `X-Vault-Token: ${reader}`, marker),
    );
    assert.deepEqual(statuses(b), [403, 200]);
    assert.doesNotMatch(b.raw, /"keys"/);
    // a client marker claiming GET on a real LIST does not turn the list into a read
    const c = await exchange(list(lister, '/v1/secret/metadata/', 'x-tresor-original-method: GET'));
    assert.deepEqual(statuses(c), [200, 200]);
    listsAandB(c);
    // and the list-only token cannot read through LIST on the data path
    const d = await exchange(list(lister, '/v1/secret/data/a'));
    assert.equal(statuses(d)[0], 403);
    assert.doesNotMatch(d.raw, /list-shim-secret/);
  });

  it('LIST is a list even when the target says list=false', async () => {
    const x = await exchange(list(t.rootToken, '/v1/secret/metadata/?list=false'));
    assert.deepEqual(statuses(x), [200, 200], x.responses[0]?.body);
    listsAandB(x, 0);
  });
});
