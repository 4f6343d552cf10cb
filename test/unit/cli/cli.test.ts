import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import { processArgs, runCli, scanGlobals } from '../../../src/cli/cli.js';
import { captureIo } from './capture-io.js';

describe('command line structure', () => {
  it('finds -format and -detailed anywhere, then VAULT_FORMAT, then table', () => {
    assert.deepEqual(scanGlobals(['read', '-format=json', 'x'], {}), { format: 'json', detailed: false });
    assert.deepEqual(scanGlobals(['read', '-format', 'JSON'], {}), { format: 'json', detailed: false });
    assert.deepEqual(scanGlobals(['list', '--detailed', 'x'], { VAULT_FORMAT: 'json' }), {
      format: 'json',
      detailed: true,
    });
    assert.deepEqual(scanGlobals(['read', '--', '-format=json'], {}), { format: 'table', detailed: false });
  });

  it('matches nested commands by their longest prefix and notices help flags', () => {
    assert.deepEqual(processArgs(['kv', 'metadata', 'get', '-mount=secret', 'foo']), {
      isHelp: false,
      topFlags: [],
      command: 'kv metadata get',
      args: ['-mount=secret', 'foo'],
    });
    assert.equal(processArgs(['operator', 'frobnicate']).command, 'operator');
    assert.deepEqual(processArgs(['operator', 'frobnicate']).args, ['frobnicate']);
    assert.equal(processArgs(['token', 'create', '-h']).isHelp, true);
    assert.deepEqual(processArgs(['-x', 'status']).topFlags, ['-x']);
    assert.equal(processArgs(['read', 'secret/a b']).command, 'read');
  });
});

describe('runCli', () => {
  it('prints the usage on stderr and exits 127 for no or an unknown command', async () => {
    for (const argv of [[], ['frobnicate']]) {
      const io = captureIo();
      assert.equal(await runCli(argv, io), 127);
      assert.match(io.err(), /^Usage: tresor <command> \[args\]\n\nCommon commands:\n {4}read {8}Read data/);
      assert.equal(io.out(), '');
    }
  });

  it('prints help for -h (exit 0) and for a group without subcommand (exit 1)', async () => {
    const help = captureIo();
    assert.equal(await runCli(['kv', 'put', '-h'], help), 0);
    assert.match(help.err(), /^Usage: tresor kv put \[options\] KEY \[DATA\]/);
    assert.match(help.err(), /\n {2}-cas=<int>\n/);
    const group = captureIo();
    assert.equal(await runCli(['operator'], group), 1);
    assert.match(group.err(), /Subcommands:\n {4}init {10}Initializes a server/);
  });

  it('rejects flags before the command, an unknown output format and bad flags', async () => {
    const before = captureIo();
    assert.equal(await runCli(['-tls-skip-verify', 'status'], before), 1);
    assert.match(before.err(), /^Invalid flags before the subcommand/);
    const format = captureIo();
    assert.equal(await runCli(['status', '-format=xml'], format), 1);
    assert.equal(format.err(), 'Invalid output format: xml\n');
    const flag = captureIo();
    assert.equal(await runCli(['status', '-bogus'], flag), 1);
    assert.equal(flag.err(), 'flag provided but not defined: -bogus\n');
    const args = captureIo();
    assert.equal(await runCli(['status', 'extra'], args), 1);
    assert.equal(args.err(), 'Too many arguments (expected 0, got 1)\n');
  });

  it('prints the version for -version', async () => {
    const io = captureIo();
    assert.equal(await runCli(['-version'], io), 0);
    assert.match(io.out(), /^Tresor v\d+\.\d+\.\d+ /);
  });
});

describe('status exit codes', () => {
  let server: Server;
  let address = '';
  let sealed = false;

  before(async () => {
    server = createServer((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      if (req.url === '/v1/sys/seal-status') {
        res.end(
          JSON.stringify({
            type: 'shamir',
            initialized: true,
            sealed,
            t: 1,
            n: 1,
            progress: 0,
            nonce: '',
            version: '1.15.0',
            build_date: 'x',
            migration: false,
            recovery_seal: false,
            storage_type: 'inmem',
          }),
        );
        return;
      }
      if (sealed) {
        res.statusCode = 503;
        res.end('{"errors":["Vault is sealed"]}');
        return;
      }
      res.end(
        JSON.stringify({
          ha_enabled: false,
          is_self: false,
          active_time: '0001-01-01T00:00:00Z',
          leader_address: '',
          leader_cluster_address: '',
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    address = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  });

  after(() => {
    server.close();
  });

  it('exits 0 when unsealed, 2 when sealed (HA shown as enabled when sys/leader says sealed), 1 on error', async () => {
    sealed = false;
    const up = captureIo({ env: { VAULT_ADDR: address } });
    assert.equal(await runCli(['status'], up), 0);
    assert.match(up.out(), /\nSealed {10}false\n/);
    assert.match(up.out(), /\nHA Enabled {6}false\n$/);
    sealed = true;
    const down = captureIo({ env: { VAULT_ADDR: address } });
    assert.equal(await runCli(['status'], down), 2);
    assert.match(down.out(), /\nUnseal Progress {4}0\/1\nUnseal Nonce {7}n\/a\n/);
    assert.match(down.out(), /\nHA Enabled {9}true\n$/);
    const json = captureIo({ env: { VAULT_ADDR: address } });
    assert.equal(await runCli(['status', '-format=json'], json), 2);
    assert.equal((JSON.parse(json.out()) as { sealed: boolean }).sealed, true);
    const gone = captureIo({ env: { VAULT_ADDR: 'http://127.0.0.1:1' } });
    assert.equal(await runCli(['status'], gone), 1);
    assert.match(
      gone.err(),
      /^Error checking seal status: Get "http:\/\/127\.0\.0\.1:1\/v1\/sys\/seal-status": dial tcp/,
    );
  });
});
