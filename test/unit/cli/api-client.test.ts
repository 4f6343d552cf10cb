import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, ResponseError } from '../../../src/cli/client/api-client.js';
import {
  ClientConfigError,
  DEFAULT_ADDRESS,
  readClientConfig,
} from '../../../src/cli/client/client-config.js';
import { newClient } from '../../../src/cli/client/new-client.js';
import { parseFlags } from '../../../src/helper/go/flags.js';
import { Ui } from '../../../src/cli/output/io.js';
import { readSecret, writeSecret } from '../../../src/cli/client/secret.js';
import { defaultTokenHelper } from '../../../src/cli/client/token-helper.js';
import { HTTP_FLAGS } from '../../../src/cli/client/http-flags.js';
import { captureIo } from './capture-io.js';

function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'tresor-home-'));
}

describe('client configuration from the environment', () => {
  it('defaults to https://127.0.0.1:8200 and lets VAULT_AGENT_ADDR win over VAULT_ADDR, and flags over both', () => {
    assert.equal(readClientConfig({}).address, DEFAULT_ADDRESS);
    assert.equal(DEFAULT_ADDRESS, 'https://127.0.0.1:8200');
    assert.equal(readClientConfig({ VAULT_ADDR: 'http://a:1' }).address, 'http://a:1');
    assert.equal(
      readClientConfig({ VAULT_ADDR: 'http://a:1', VAULT_AGENT_ADDR: 'http://agent:2' }).address,
      'http://agent:2',
    );
    assert.equal(
      readClientConfig({ VAULT_ADDR: 'http://a:1' }, { address: 'http://flag:3' }).address,
      'http://flag:3',
    );
  });

  it('reads TLS, namespace, retries and timeout settings, rejecting unparsable values', () => {
    const config = readClientConfig({
      VAULT_CACERT: '/ca.pem',
      VAULT_CLIENT_CERT: '/c.pem',
      VAULT_CLIENT_KEY: '/k.pem',
      VAULT_SKIP_VERIFY: 'true',
      VAULT_TLS_SERVER_NAME: 'vault.example',
      VAULT_NAMESPACE: 'ns1/',
      VAULT_MAX_RETRIES: '3',
      VAULT_CLIENT_TIMEOUT: '5s',
      VAULT_WRAP_TTL: '2m',
    });
    assert.deepEqual(config.tls, {
      caCert: '/ca.pem',
      caPath: '',
      clientCert: '/c.pem',
      clientKey: '/k.pem',
      serverName: 'vault.example',
      skipVerify: true,
    });
    assert.equal(config.namespace, 'ns1/');
    assert.equal(config.maxRetries, 3);
    assert.equal(config.timeoutMs, 5000);
    assert.equal(config.envWrapTtl, '2m');
    assert.equal(readClientConfig({}).maxRetries, 0);
    assert.throws(
      () => readClientConfig({ VAULT_SKIP_VERIFY: 'sure' }),
      (err: unknown) => {
        assert.ok(err instanceof ClientConfigError);
        assert.equal(err.message, 'failed to read environment: could not parse VAULT_SKIP_VERIFY');
        return true;
      },
    );
  });
});

describe('token resolution', () => {
  const ctxFor = (env: Record<string, string>): Parameters<typeof newClient>[0] => {
    const io = captureIo({ env });
    return { io, ui: new Ui(io, 'table', false) };
  };
  const flags = parseFlags([HTTP_FLAGS], []).flags;

  it('uses VAULT_TOKEN before the token helper', () => {
    const home = tempHome();
    writeFileSync(join(home, '.vault-token'), 'from-file\n');
    assert.equal(newClient(ctxFor({ HOME: home, VAULT_TOKEN: 'from-env' }), flags).token, 'from-env');
    assert.equal(newClient(ctxFor({ HOME: home }), flags).token, 'from-file');
    assert.equal(newClient(ctxFor({ HOME: tempHome() }), flags).token, '');
  });

  it('stores the token in ~/.vault-token with mode 0600 and erases it', () => {
    const home = tempHome();
    const helper = defaultTokenHelper({ HOME: home });
    helper.store('hvs.stored');
    const path = join(home, '.vault-token');
    assert.equal(readFileSync(path, 'utf8'), 'hvs.stored');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(helper.get(), 'hvs.stored');
    helper.erase();
    assert.equal(helper.get(), '');
  });

  it('runs an external token helper named in ~/.vault', () => {
    const home = tempHome();
    const script = join(home, 'helper.sh');
    writeFileSync(
      script,
      `#!/bin/sh\nif [ "$1" = get ]; then echo from-helper; fi\nif [ "$1" = store ]; then cat > "${home}/stored"; fi\n`,
    );
    chmodSync(script, 0o755);
    writeFileSync(join(home, '.vault'), `token_helper = "${script}"\n`);
    const helper = defaultTokenHelper({ HOME: home, PATH: process.env.PATH ?? '' });
    assert.equal(helper.get(), 'from-helper');
    helper.store('hvs.ext');
    assert.equal(readFileSync(join(home, 'stored'), 'utf8'), 'hvs.ext');
  });

  it('refuses X-Vault-* headers given with -header', () => {
    const withHeader = parseFlags([HTTP_FLAGS], ['-header=X-Vault-Foo=1']).flags;
    assert.throws(
      () => newClient(ctxFor({ HOME: tempHome() }), withHeader),
      /Header starting by 'X-Vault-' are for internal usage only/,
    );
  });
});

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('requests', () => {
  let server: Server;
  let base = '';
  const seen: Seen[] = [];
  let reply: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        reply(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  });

  after(() => {
    server.close();
  });

  const client = (token = 'tok', extra: Record<string, string> = {}): ApiClient =>
    new ApiClient(readClientConfig({ VAULT_ADDR: base, ...extra }), token);

  it('sends X-Vault-Request and X-Vault-Token, JSON without a Content-Type, and LIST as GET ?list=true', async () => {
    seen.length = 0;
    reply = (_req, res) => {
      res.statusCode = 204;
      res.end();
    };
    await client('hvs.abc', { VAULT_NAMESPACE: 'team/' }).request({
      method: 'PUT',
      path: 'secret/foo',
      body: { a: 1 },
    });
    await client().request({ method: 'LIST', path: 'secret/folder/' });
    const [put, list] = seen;
    assert.ok(put !== undefined && list !== undefined);
    assert.equal(put.method, 'PUT');
    assert.equal(put.url, '/v1/secret/foo');
    assert.equal(put.headers['x-vault-request'], 'true');
    assert.equal(put.headers['x-vault-token'], 'hvs.abc');
    assert.equal(put.headers['x-vault-namespace'], 'team/');
    assert.equal(put.headers['content-type'], undefined);
    assert.equal(put.body, '{"a":1}\n');
    assert.equal(list.method, 'GET');
    assert.equal(list.url, '/v1/secret/folder?list=true');
    assert.equal(client('').config.wrapTtl, '');
  });

  it('asks for wrapping on sys/wrapping/wrap by default and everywhere with VAULT_WRAP_TTL', async () => {
    seen.length = 0;
    reply = (_req, res) => res.end('{}');
    await client().request({ method: 'POST', path: 'sys/wrapping/wrap', body: {} });
    await client('t', { VAULT_WRAP_TTL: '30s' }).request({ method: 'GET', path: 'secret/x' });
    await client().request({ method: 'GET', path: 'secret/x' });
    assert.deepEqual(
      seen.map((s) => s.headers['x-vault-wrap-ttl']),
      ['5m', '30s', undefined],
    );
  });

  it('words API errors as the Go client does', async () => {
    reply = (_req, res) => {
      res.statusCode = 403;
      res.end(JSON.stringify({ errors: ['1 error occurred:\n\t* permission denied\n\n'] }));
    };
    await assert.rejects(client().request({ method: 'GET', path: 'secret/foo' }), (err: unknown) => {
      assert.ok(err instanceof ResponseError);
      assert.equal(err.status, 403);
      assert.equal(
        err.message,
        `Error making API request.\n\nURL: GET ${base}/v1/secret/foo\nCode: 403. Errors:\n\n* 1 error occurred:\n\t* permission denied\n\n`,
      );
      return true;
    });
    reply = (_req, res) => {
      res.statusCode = 502;
      res.end('bad gateway');
    };
    await assert.rejects(
      client().request({ method: 'GET', path: 'x' }),
      /Code: 502\. Raw Message:\n\nbad gateway$/,
    );
  });

  it('reads nothing on a plain 404 but keeps a 404 that carries warnings', async () => {
    reply = (_req, res) => {
      res.statusCode = 404;
      res.end('{"errors":[]}');
    };
    assert.equal(await readSecret(client(), 'GET', 'secret/none'), null);
    reply = (_req, res) => {
      res.statusCode = 404;
      res.end(
        JSON.stringify({
          request_id: 'r',
          data: null,
          warnings: ['Invalid path for a versioned K/V secrets engine.'],
        }),
      );
    };
    const secret = await readSecret(client(), 'GET', 'secret/v1path');
    assert.deepEqual(secret?.warnings, ['Invalid path for a versioned K/V secrets engine.']);
    await assert.rejects(writeSecret(client(), 'PUT', 'secret/v1path', { a: 'b' }), /Code: 404/);
  });

  it('follows one redirect, re-sending the body', async () => {
    seen.length = 0;
    reply = (req, res) => {
      if (req.url === '/v1/secret/a') {
        res.statusCode = 307;
        res.setHeader('Location', `${base}/v1/secret/b`);
        res.end();
        return;
      }
      res.statusCode = 204;
      res.end();
    };
    await client().request({ method: 'PUT', path: 'secret/a', body: { k: 'v' } });
    assert.deepEqual(
      seen.map((s) => [s.url, s.body]),
      [
        ['/v1/secret/a', '{"k":"v"}\n'],
        ['/v1/secret/b', '{"k":"v"}\n'],
      ],
    );
  });

  it('reports a refused connection as Go does', async () => {
    const c = new ApiClient(readClientConfig({ VAULT_ADDR: 'http://127.0.0.1:1' }));
    await assert.rejects(
      c.request({ method: 'GET', path: 'sys/seal-status' }),
      /^Error: Get "http:\/\/127\.0\.0\.1:1\/v1\/sys\/seal-status": dial tcp 127\.0\.0\.1:1: connect: connection refused$/,
    );
  });
});
