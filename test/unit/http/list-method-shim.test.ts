import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import nodeVault from 'node-vault';
import {
  ListRequestRewriter,
  installListMethodShim,
  listRequestTarget,
} from '../../../src/http/list-method-shim.js';

// ---------------------------------------------------------------------------------------------
// Helpers: an echo server, a raw HTTP/1.1 response reader, a seeded PRNG.

interface Echo {
  method: string;
  url: string;
  body: string;
}

interface RawResponse {
  status: number;
  body: string;
}

function echoHandler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const echo: Echo = {
      method: req.method ?? '',
      url: req.url ?? '',
      body: Buffer.concat(chunks).toString('latin1'),
    };
    const body = JSON.stringify(echo);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}

/** Parses complete responses off the front of `buf`; bodies need Content-Length unless `closed`. */
function parseResponses(buf: Buffer, closed: boolean): RawResponse[] {
  const out: RawResponse[] = [];
  let pos = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', pos);
    if (end === -1) break;
    const head = buf.toString('latin1', pos, end);
    const status = Number(head.slice(9, 12));
    const m = /\r\ncontent-length: *(\d+)/i.exec(head);
    const bodyStart = end + 4;
    if (m?.[1] === undefined) {
      if (!closed) break;
      out.push({ status, body: buf.toString('latin1', bodyStart) });
      break;
    }
    const bodyEnd = bodyStart + Number(m[1]);
    if (bodyEnd > buf.length) break;
    out.push({ status, body: buf.toString('latin1', bodyStart, bodyEnd) });
    pos = bodyEnd;
  }
  return out;
}

/**
 * Sends `writes` on `socket` (each written separately, with a pause between them when `gapMs` is
 * set) and resolves with the responses once `expected` have arrived or the server closed.
 */
async function exchange(
  socket: net.Socket,
  writes: (string | Buffer)[],
  expected: number,
  gapMs = -1,
): Promise<RawResponse[]> {
  const chunks: Buffer[] = [];
  const done = new Promise<RawResponse[]>((resolve, reject) => {
    const check = (closed: boolean) => {
      const responses = parseResponses(Buffer.concat(chunks), closed);
      if (responses.length >= expected || closed) {
        socket.off('data', onData);
        socket.off('close', onClose);
        socket.off('error', reject);
        resolve(responses);
      }
    };
    const onData = (c: Buffer) => {
      chunks.push(c);
      check(false);
    };
    const onClose = () => {
      check(true);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', reject);
  });
  for (const w of writes) {
    socket.write(typeof w === 'string' ? Buffer.from(w, 'latin1') : w);
    if (gapMs >= 0) await new Promise((r) => setTimeout(r, gapMs));
  }
  return done;
}

/** One single-byte Buffer per byte of `text`. */
function bytewise(text: string): Buffer[] {
  return Array.from(Buffer.from(text, 'latin1'), (b) => Buffer.of(b));
}

function echoOf(r: RawResponse | undefined): Echo {
  assert.ok(r !== undefined, 'missing response');
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as Echo;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
}

/** mulberry32: small, seeded, good enough for fuzzing. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function feed(rewriter: ListRequestRewriter, input: Buffer, cuts: number[]): Buffer {
  const out: Buffer[] = [];
  let prev = 0;
  for (const cut of [...cuts, input.length]) {
    out.push(rewriter.write(input.subarray(prev, cut)));
    prev = cut;
  }
  const held = rewriter.end();
  if (held !== undefined) out.push(held);
  return Buffer.concat(out);
}

// A pipelined conversation and what Node's parser must receive for it.
const BODY_WITH_LIST = 'LIST /x HTTP/1.1\r\n\r\n';
const CHUNKED_BODY = `5;ext=1\r\nLIST \r\n${BODY_WITH_LIST.length.toString(16)}\r\n${BODY_WITH_LIST}\r\n0\r\nx-trailer: LIST /y HTTP/1.1\r\n\r\n`;
const CONVERSATION: [string, string][] = [
  [
    'LIST /v1/secret/metadata/ HTTP/1.1\r\nHost: a\r\n\r\n',
    `GET /v1/secret/metadata/?list=true HTTP/1.1\r\nHost: a\r\n\r\n`,
  ],
  [
    `POST /v1/secret/data/a HTTP/1.1\r\nHost: a\r\nContent-Length: ${BODY_WITH_LIST.length}\r\n\r\n${BODY_WITH_LIST}`,
    'same',
  ],
  ['\r\nGET /v1/sys/health HTTP/1.1\r\nHost: a\r\n\r\n', 'same'],
  [`PUT /v1/c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_BODY}`, 'same'],
  [
    'LIST /v1/kv/?foo=1 HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n',
    `GET /v1/kv/?list=true&foo=1 HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n`,
  ],
  ['LINK /l HTTP/1.1\r\nHost: a\r\ncontent-length: 4\r\n\r\nLIST', 'same'],
  [
    'LIST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nLIST ',
    `GET /b?list=true HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nLIST `,
  ],
];
const CONVERSATION_IN = Buffer.from(CONVERSATION.map(([i]) => i).join(''), 'latin1');
const CONVERSATION_OUT = Buffer.from(CONVERSATION.map(([i, o]) => (o === 'same' ? i : o)).join(''), 'latin1');

// ---------------------------------------------------------------------------------------------

describe('list-method shim: the rewriter', () => {
  it('puts list=true first in the query, before any fragment', () => {
    assert.equal(listRequestTarget('/v1/a/'), '/v1/a/?list=true');
    assert.equal(listRequestTarget('/v1/a?x=1'), '/v1/a?list=true&x=1');
    assert.equal(listRequestTarget('/v1/a?'), '/v1/a?list=true');
    assert.equal(listRequestTarget('/v1/a?x=1&'), '/v1/a?list=true&x=1');
    assert.equal(listRequestTarget('/v1/a#f'), '/v1/a?list=true#f');
  });

  it('drops every list parameter the client wrote, however it is spelled', () => {
    assert.equal(listRequestTarget('/v1/a/?list=false'), '/v1/a/?list=true');
    assert.equal(listRequestTarget('/v1/a/?x=1&list=false&y=2&list=0'), '/v1/a/?list=true&x=1&y=2');
    assert.equal(listRequestTarget('/v1/a/?li%73t=false&list&LIST=1'), '/v1/a/?list=true&LIST=1');
    assert.equal(listRequestTarget('/v1/a/?listx=1&a%3Dlist=2'), '/v1/a/?list=true&listx=1&a%3Dlist=2');
  });

  it('rewrites LIST lines only, and never inside bodies, fed whole', () => {
    assert.equal(
      feed(new ListRequestRewriter(), CONVERSATION_IN, []).toString('latin1'),
      CONVERSATION_OUT.toString('latin1'),
    );
  });

  it('gives the same output for every split into two chunks', () => {
    for (let cut = 0; cut <= CONVERSATION_IN.length; cut++) {
      assert.deepEqual(
        feed(new ListRequestRewriter(), CONVERSATION_IN, [cut]),
        CONVERSATION_OUT,
        `cut at ${cut}`,
      );
    }
  });

  it('gives the same output fed byte by byte', () => {
    const cuts = Array.from({ length: CONVERSATION_IN.length - 1 }, (_, i) => i + 1);
    assert.deepEqual(feed(new ListRequestRewriter(), CONVERSATION_IN, cuts), CONVERSATION_OUT);
  });

  it('follows bare-LF line ends too (for lenient parsers)', () => {
    const input = 'GET / HTTP/1.1\nContent-Length: 6\n\nLIST /\n\nLIST /a HTTP/1.0\nHost: a\n\n';
    const expected = `GET / HTTP/1.1\nContent-Length: 6\n\nLIST /\n\nGET /a?list=true HTTP/1.0\r\nHost: a\n\n`;
    assert.equal(feed(new ListRequestRewriter(), Buffer.from(input), []).toString(), expected);
  });

  it('returns a chunk without LIST as the same Buffer', () => {
    const rewriter = new ListRequestRewriter();
    const chunk = Buffer.from('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(rewriter.write(chunk), chunk);
  });

  it('stops rewriting after CONNECT, an Upgrade header or ambiguous framing', () => {
    const after = 'LIST /z HTTP/1.1\r\n\r\n';
    for (const head of [
      'CONNECT a:443 HTTP/1.1\r\n\r\n',
      'GET / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n',
      'POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
      'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n',
      'POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx',
      'POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n',
      'GET / HTTP/1.1\r\nX-A: b\r\n folded\r\n\r\n',
      'LIST /a HTTP/2.0\r\n\r\n',
      'LIST /a b HTTP/1.1\r\n\r\n',
    ]) {
      const input = Buffer.from(head + after, 'latin1');
      const rewriter = new ListRequestRewriter();
      assert.equal(feed(rewriter, input, []).toString('latin1'), input.toString('latin1'), head);
      assert.equal(rewriter.passingThrough, true, head);
    }
  });

  it('releases a LIST head over the cap unchanged, whatever the chunking', () => {
    const input = Buffer.from(`LIST /${'a'.repeat(200)} HTTP/1.1\r\n\r\nLIST /b HTTP/1.1\r\n\r\n`, 'latin1');
    for (const cuts of [[], [3], [50], [100, 150]]) {
      assert.deepEqual(feed(new ListRequestRewriter(100), input, cuts), input, `cuts ${cuts.join(',')}`);
    }
  });

  it('holds back at most a LIST line, and hands it back unchanged at end of input', () => {
    const rewriter = new ListRequestRewriter();
    assert.equal(
      rewriter.write(Buffer.from('GET / HTTP/1.1\r\n\r\nLIS')).toString(),
      'GET / HTTP/1.1\r\n\r\n',
    );
    assert.equal(rewriter.write(Buffer.from('T /a')).length, 0);
    assert.equal(rewriter.end()?.toString(), 'LIST /a');
  });

  it('never throws and does not depend on chunking, on random input (seeded fuzz)', () => {
    const random = prng(20240611);
    const pieces = [
      'GET / HTTP/1.1\r\n',
      'LIST /a HTTP/1.1\r\n',
      'LIST ',
      'LIS',
      'POST /p HTTP/1.1\r\n',
      'Content-Length: 3\r\n',
      'Content-Length: 70\r\n',
      'Transfer-Encoding: chunked\r\n',
      '\r\n',
      '\n',
      '3\r\n',
      '0\r\n',
      'a;b\r\n',
      'Upgrade: x\r\n',
      'x: y\r\n',
      ' ',
      '\r',
      'T',
      'abc',
      'CONNECT ',
    ];
    for (let round = 0; round < 3000; round++) {
      const parts: Buffer[] = [];
      const count = 1 + Math.floor(random() * 30);
      for (let i = 0; i < count; i++) {
        if (random() < 0.2) {
          const bytes = Buffer.alloc(1 + Math.floor(random() * 20));
          for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
          parts.push(bytes);
        } else parts.push(Buffer.from(pieces[Math.floor(random() * pieces.length)] ?? '', 'latin1'));
      }
      const input = Buffer.concat(parts);
      const maxHead = 16 + Math.floor(random() * 200);
      const whole = feed(new ListRequestRewriter(maxHead), input, []);
      const cuts = [
        ...new Set(
          Array.from({ length: Math.floor(random() * 8) }, () => Math.floor(random() * input.length)),
        ),
      ].sort((a, b) => a - b);
      assert.deepEqual(feed(new ListRequestRewriter(maxHead), input, cuts), whole, `round ${round}`);
      if (!input.includes('LIST ')) assert.deepEqual(whole, input, `round ${round}`);
    }
  });
});

describe('list-method shim: on a plain http.Server', () => {
  const server = http.createServer(echoHandler);
  installListMethodShim(server);
  let port = 0;
  before(async () => {
    port = await listen(server);
  });
  after(async () => {
    await closeServer(server);
  });

  it('turns LIST into GET ?list=true, and nothing else', async () => {
    const socket = await connect(port);
    const [r] = await exchange(socket, ['LIST /v1/secret/metadata/ HTTP/1.1\r\nHost: t\r\n\r\n'], 1);
    assert.deepEqual(echoOf(r), {
      method: 'GET',
      url: '/v1/secret/metadata/?list=true',
      body: '',
    });
    socket.destroy();
  });

  it("keeps an existing query, without the client's own list parameter", async () => {
    const socket = await connect(port);
    const [r] = await exchange(socket, ['LIST /v1/a/?version=2&list=false HTTP/1.1\r\nHost: t\r\n\r\n'], 1);
    assert.equal(echoOf(r).url, '/v1/a/?list=true&version=2');
    socket.destroy();
  });

  it('leaves GET alone', async () => {
    const socket = await connect(port);
    const [r] = await exchange(socket, ['GET /v1/a?list=1 HTTP/1.1\r\nHost: t\r\n\r\n'], 1);
    assert.deepEqual(echoOf(r), { method: 'GET', url: '/v1/a?list=1', body: '' });
    socket.destroy();
  });

  it('handles a pipelined mix in one write without touching bodies (Content-Length and chunked)', async () => {
    const socket = await connect(port);
    const responses = await exchange(socket, [CONVERSATION_IN], CONVERSATION.length);
    const echoes = responses.map(echoOf);
    assert.deepEqual(
      echoes.map((e) => [e.method, e.url]),
      [
        ['GET', '/v1/secret/metadata/?list=true'],
        ['POST', '/v1/secret/data/a'],
        ['GET', '/v1/sys/health'],
        ['PUT', '/v1/c'],
        ['GET', '/v1/kv/?list=true&foo=1'],
        ['LINK', '/l'],
        ['GET', '/b?list=true'],
      ],
    );
    assert.equal(echoes[1]?.body, BODY_WITH_LIST);
    assert.equal(echoes[3]?.body, `LIST ${BODY_WITH_LIST}`);
    assert.equal(echoes[5]?.body, 'LIST');
    assert.equal(echoes[6]?.body, 'LIST ');
    socket.destroy();
  });

  it('handles request lines and bodies arriving byte by byte', async () => {
    const socket = await connect(port);
    const input =
      'LIST /v1/a/ HTTP/1.1\r\nHost: t\r\n\r\nPOST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 20\r\n\r\nLIST /x HTTP/1.1\r\n\r\nLIST /v1/b/ HTTP/1.1\r\nHost: t\r\n\r\n';
    const responses = await exchange(socket, bytewise(input), 3, 1);
    assert.deepEqual(
      responses.map(echoOf).map((e) => [e.method, e.url, e.body]),
      [
        ['GET', '/v1/a/?list=true', ''],
        ['POST', '/p', 'LIST /x HTTP/1.1\r\n\r\n'],
        ['GET', '/v1/b/?list=true', ''],
      ],
    );
    socket.destroy();
  });

  it('keeps a keep-alive connection working over many requests', async () => {
    const socket = await connect(port);
    for (let i = 0; i < 150; i++) {
      const request =
        i % 3 === 0
          ? `LIST /v1/k${i}/ HTTP/1.1\r\nHost: t\r\n\r\n`
          : i % 3 === 1
            ? `GET /v1/k${i} HTTP/1.1\r\nHost: t\r\n\r\n`
            : `POST /v1/k${i} HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nLIST `;
      const [r] = await exchange(socket, [request], 1);
      const echo = echoOf(r);
      assert.equal(echo.url, i % 3 === 0 ? `/v1/k${i}/?list=true` : `/v1/k${i}`);
    }
    socket.destroy();
  });

  it('passes an oversized LIST head through to Node, which answers 400, and keeps serving', async () => {
    const socket = await connect(port);
    const line = `LIST /${'a'.repeat(70 * 1024)} HTTP/1.1\r\nHost: t\r\n\r\n`;
    const writes = [line.slice(0, 30_000), line.slice(30_000, 60_000), line.slice(60_000)];
    const [r] = await exchange(socket, writes, 1, 5);
    assert.equal(r?.status, 400);
    socket.destroy();
    const again = await connect(port);
    const [ok] = await exchange(again, ['LIST /v1/a/ HTTP/1.1\r\nHost: t\r\n\r\n'], 1);
    assert.equal(echoOf(ok).url, '/v1/a/?list=true');
    again.destroy();
  });

  it('survives random bytes on many connections (seeded fuzz)', async () => {
    const random = prng(7);
    const clients: Promise<void>[] = [];
    for (let i = 0; i < 120; i++) {
      const prefix =
        [
          '',
          'LIST ',
          'LIST /a HTTP/1.1\r\n',
          'GET / HTTP/1.1\r\nContent-Length: 9\r\n\r\n',
          'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n',
        ][i % 5] ?? '';
      const noise = Buffer.alloc(Math.floor(random() * 3000));
      for (let j = 0; j < noise.length; j++) noise[j] = Math.floor(random() * 256);
      clients.push(
        (async () => {
          const socket = await connect(port);
          socket.on('error', () => undefined);
          socket.on('data', () => undefined);
          socket.end(Buffer.concat([Buffer.from(prefix, 'latin1'), noise]));
          await new Promise((resolve) => socket.once('close', resolve));
        })(),
      );
    }
    await Promise.all(clients);
    const socket = await connect(port);
    const [r] = await exchange(socket, ['LIST /v1/after/ HTTP/1.1\r\nHost: t\r\n\r\n'], 1);
    assert.equal(echoOf(r).url, '/v1/after/?list=true');
    socket.destroy();
  });

  it('serves the LIST that node-vault sends', async () => {
    const vault = nodeVault({ endpoint: `http://127.0.0.1:${port}`, token: 't' });
    const echo = (await vault.list('secret/metadata/app')) as Echo;
    assert.deepEqual(echo, {
      method: 'GET',
      url: '/v1/secret/metadata/app?list=true',
      body: '',
    });
  });

  it('works for a Duplex handed over with bytes already buffered', async () => {
    const written: Buffer[] = [];
    const ended = new Promise<void>((resolve) => {
      const duplex = new Duplex({
        read() {
          return undefined;
        },
        write(chunk: Buffer, _encoding, callback) {
          written.push(chunk);
          if (parseResponses(Buffer.concat(written), false).length === 1) resolve();
          callback();
        },
      });
      duplex.push(Buffer.from('LIST /v1/d/ HTTP/1.1\r\nHost: t\r\n\r\n'));
      server.emit('connection', duplex);
    });
    await ended;
    const [r] = parseResponses(Buffer.concat(written), false);
    assert.equal(echoOf(r).url, '/v1/d/?list=true');
  });
});

describe('list-method shim: on an https.Server (TLS)', () => {
  let server: https.Server | undefined;
  let port = 0;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tresor-shim-'));
    try {
      const keyFile = join(dir, 'key.pem');
      const certFile = join(dir, 'cert.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          keyFile,
          '-out',
          certFile,
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
        ],
        { stdio: 'ignore' },
      );
      server = https.createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, echoHandler);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    installListMethodShim(server);
    port = await listen(server);
  });
  after(async () => {
    if (server !== undefined) await closeServer(server);
  });

  async function tlsConnect(): Promise<tls.TLSSocket> {
    const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    return socket;
  }

  it('rewrites LIST on the decrypted stream, pipelined and split', async () => {
    const socket = await tlsConnect();
    const single = await exchange(socket, ['LIST /v1/secret/metadata/ HTTP/1.1\r\nHost: t\r\n\r\n'], 1);
    assert.deepEqual(echoOf(single[0]), {
      method: 'GET',
      url: '/v1/secret/metadata/?list=true',
      body: '',
    });
    const pipelined = await exchange(
      socket,
      [CONVERSATION_IN.subarray(0, 7), CONVERSATION_IN.subarray(7)],
      CONVERSATION.length,
      2,
    );
    assert.deepEqual(
      pipelined.map(echoOf).map((e) => e.url),
      [
        '/v1/secret/metadata/?list=true',
        '/v1/secret/data/a',
        '/v1/sys/health',
        '/v1/c',
        '/v1/kv/?list=true&foo=1',
        '/l',
        '/b?list=true',
      ],
    );
    socket.destroy();
  });

  it('serves the LIST that node-vault sends over TLS', async () => {
    const vault = nodeVault({
      endpoint: `https://127.0.0.1:${port}`,
      token: 't',
      requestOptions: { strictSSL: false },
    });
    const echo = (await vault.list('secret/metadata/')) as Echo;
    assert.deepEqual(echo, {
      method: 'GET',
      url: '/v1/secret/metadata/?list=true',
      body: '',
    });
  });

  it('keeps a TLS connection alive across requests written byte by byte', async () => {
    const socket = await tlsConnect();
    for (const path of ['/v1/a/', '/v1/b/']) {
      const [r] = await exchange(socket, bytewise(`LIST ${path} HTTP/1.1\r\nHost: t\r\n\r\n`), 1, 0);
      assert.equal(echoOf(r).url, `${path}?list=true`);
    }
    socket.destroy();
  });
});
