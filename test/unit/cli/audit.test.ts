import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { runCli } from '../../../src/cli/cli.js';
import { captureIo } from './capture-io.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly body: string;
}

const DEVICES = {
  'file/': {
    type: 'file',
    description: '',
    options: { file_path: '/var/log/a.log' },
    local: false,
    path: 'file/',
  },
  'second/': {
    type: 'file',
    description: 'the second one',
    options: { mode: '0600', file_path: '/var/log/b.log' },
    local: true,
    path: 'second/',
  },
};

/** audit enable/disable/list against a stub server: the requests they send and what they print. */
describe('tresor audit commands', () => {
  let server: Server;
  let address = '';
  const seen: Seen[] = [];
  let reply: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body });
        reply(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    address = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  });

  after(() => {
    server.close();
  });

  const run = async (
    argv: string[],
    stdin = '',
  ): Promise<{ code: number; out: string; err: string; seen: Seen[] }> => {
    seen.length = 0;
    const io = captureIo({ env: { VAULT_ADDR: address, VAULT_TOKEN: 'root' }, stdin });
    const code = await runCli(argv, io);
    return { code, out: io.out(), err: io.err(), seen: [...seen] };
  };
  const noContent = (_req: IncomingMessage, res: ServerResponse): void => {
    res.statusCode = 204;
    res.end();
  };
  const listing =
    (data: unknown) =>
    (_req: IncomingMessage, res: ServerResponse): void => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ request_id: 'r', lease_id: '', renewable: false, lease_duration: 0, data }));
    };

  it('enable sends EnableAuditOptions to PUT sys/audit/<type> and prints vault’s line', async () => {
    reply = noContent;
    const r = await run(['audit', 'enable', 'file', 'file_path=/var/log/a.log']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'Success! Enabled the file audit device at: file/\n');
    assert.equal(r.err, '');
    assert.deepEqual(r.seen, [
      {
        method: 'PUT',
        url: '/v1/sys/audit/file',
        body: '{"type":"file","description":"","options":{"file_path":"/var/log/a.log"},"local":false}\n',
      },
    ]);
  });

  it('enable takes -path, -description, -local and options from stdin; no options is {}', async () => {
    reply = noContent;
    const r = await run(
      [
        'audit',
        'enable',
        '-path=second/',
        '-description=the second one',
        '-local',
        'file',
        'file_path=-',
        'mode=0600',
      ],
      '/var/log/b.log',
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'Success! Enabled the file audit device at: second/\n');
    const [put] = r.seen;
    assert.ok(put !== undefined);
    assert.equal(put.url, '/v1/sys/audit/second');
    assert.deepEqual(JSON.parse(put.body), {
      type: 'file',
      description: 'the second one',
      options: { file_path: '/var/log/b.log', mode: '0600' },
      local: true,
    });
    const bare = await run(['audit', 'enable', '-path=x', 'file']);
    assert.equal(bare.code, 0, bare.err);
    assert.equal(bare.out, 'Success! Enabled the file audit device at: x/\n');
    assert.equal(bare.seen[0]?.body, '{"type":"file","description":"","options":{},"local":false}\n');
  });

  it('enable refuses a missing type and bad K=V data (exit 1, nothing sent)', async () => {
    const missing = await run(['audit', 'enable']);
    assert.equal(missing.code, 1);
    assert.equal(
      missing.err,
      "Error enabling audit device: audit type missing. Valid types include 'file', 'socket' and 'syslog'.\n",
    );
    const bad = await run(['audit', 'enable', 'file', 'file_path']);
    assert.equal(bad.code, 1);
    assert.equal(bad.err, 'Failed to parse K=V data: format must be key=value\n');
    assert.deepEqual([...missing.seen, ...bad.seen], []);
  });

  it('enable reports the server’s error as the Go client words it (exit 2)', async () => {
    reply = (_req, res) => {
      res.statusCode = 400;
      res.end('{"errors":["unknown backend type: \\"nope\\""]}');
    };
    const r = await run(['audit', 'enable', 'nope']);
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.equal(
      r.err,
      'Error enabling audit device: Error making API request.\n\n' +
        `URL: PUT ${address}/v1/sys/audit/nope\nCode: 400. Errors:\n\n* unknown backend type: "nope"\n`,
    );
  });

  it('disable sends DELETE sys/audit/<path> and prints the path with one trailing slash', async () => {
    reply = noContent;
    const r = await run(['audit', 'disable', '/second/']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'Success! Disabled audit device (if it was enabled) at: second/\n');
    assert.deepEqual(r.seen, [{ method: 'DELETE', url: '/v1/sys/audit/second', body: '' }]);
    const none = await run(['audit', 'disable']);
    assert.equal(none.code, 1);
    assert.equal(none.err, 'Not enough arguments (expected 1, got 0)\n');
    reply = (_req, res) => {
      res.statusCode = 403;
      res.end('{"errors":["permission denied"]}');
    };
    const denied = await run(['audit', 'disable', 'file']);
    assert.equal(denied.code, 2);
    assert.match(denied.err, /^Error disabling audit device: Error making API request\.\n/);
    assert.match(denied.err, /\* permission denied\n$/);
  });

  it('list prints vault’s table, -detailed adds replication and sorted options', async () => {
    reply = listing(DEVICES);
    const r = await run(['audit', 'list']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.seen, [{ method: 'GET', url: '/v1/sys/audit', body: '' }]);
    assert.equal(
      r.out,
      [
        'Path       Type    Description',
        '----       ----    -----------',
        'file/      file    n/a',
        'second/    file    the second one',
        '',
      ].join('\n'),
    );
    const detailed = await run(['audit', 'list', '-detailed']);
    assert.equal(detailed.code, 0, detailed.err);
    assert.equal(
      detailed.out,
      [
        'Path       Type    Description       Replication    Options',
        '----       ----    -----------       -----------    -------',
        'file/      file    n/a               replicated     file_path=/var/log/a.log',
        'second/    file    the second one    local          file_path=/var/log/b.log mode=0600',
        '',
      ].join('\n'),
    );
    const global = await run(['audit', 'list', '-detailed=true', '-format=table']);
    assert.equal(global.out, detailed.out);
  });

  it('list -format=json prints path → api.Audit in Go’s field order', async () => {
    reply = listing(DEVICES);
    const r = await run(['audit', 'list', '-format=json']);
    assert.equal(r.code, 0, r.err);
    assert.equal(
      r.out,
      `{
  "file/": {
    "type": "file",
    "description": "",
    "options": {
      "file_path": "/var/log/a.log"
    },
    "local": false,
    "path": "file/"
  },
  "second/": {
    "type": "file",
    "description": "the second one",
    "options": {
      "file_path": "/var/log/b.log",
      "mode": "0600"
    },
    "local": true,
    "path": "second/"
  }
}
`,
    );
  });

  it('list without devices says so (exit 2, as vault), or prints {} as JSON', async () => {
    reply = listing({});
    const r = await run(['audit', 'list']);
    assert.equal(r.code, 2);
    assert.equal(r.out, 'No audit devices are enabled.\n');
    assert.equal(r.err, '');
    const json = await run(['audit', 'list', '-format=json']);
    assert.equal(json.code, 0, json.err);
    assert.equal(json.out, '{}\n');
    const extra = await run(['audit', 'list', 'x']);
    assert.equal(extra.code, 1);
    assert.equal(extra.err, 'Too many arguments (expected 0, got 1)\n');
  });

  it('list reports a server error and an empty answer', async () => {
    reply = (_req, res) => {
      res.statusCode = 403;
      res.end('{"errors":["permission denied"]}');
    };
    const denied = await run(['audit', 'list']);
    assert.equal(denied.code, 2);
    assert.match(
      denied.err,
      /^Error listing audits: Error making API request\.\n\nURL: GET .*\/v1\/sys\/audit\n/,
    );
    reply = noContent;
    const empty = await run(['audit', 'list']);
    assert.equal(empty.code, 2);
    assert.equal(empty.err, 'Error listing audits: data from server response is empty\n');
  });
});
