import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliResult, type DevServer, startDevServer, tempHome, tresor } from './cli-harness.js';

/** The JSON lines of an audit log file (empty while the file does not exist). */
function auditLines(path: string): unknown[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const isRequestEntry = (entry: unknown): boolean =>
  typeof entry === 'object' && entry !== null && (entry as { type?: unknown }).type === 'request';

/** `audit enable|list|disable` against a real `tresor server -dev`, with real file audit devices. */
describe('tresor audit commands against a dev server', () => {
  let server: DevServer;
  let env: Record<string, string> = {};
  let logs = '';
  let firstLog = '';
  let secondLog = '';

  const run = (args: string[], input = ''): Promise<CliResult> => tresor(args, env, input);
  const expectCode = (r: CliResult, code: number): void => {
    assert.equal(r.code, code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  };

  before(async () => {
    server = await startDevServer();
    env = { HOME: tempHome(), VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken };
    logs = mkdtempSync(join(tmpdir(), 'tresor-cli-audit-'));
    firstLog = join(logs, 'first.log');
    secondLog = join(logs, 'second.log');
  });

  after(async () => {
    await server.stop();
    rmSync(logs, { recursive: true, force: true });
  });

  it('audit list says no device is enabled on a fresh server (exit 2, as vault)', async () => {
    const r = await run(['audit', 'list']);
    expectCode(r, 2);
    assert.equal(r.stdout, 'No audit devices are enabled.\n');
    assert.equal(r.stderr, '');
  });

  it('audit enable file file_path=… enables a device at file/', async () => {
    const r = await run(['audit', 'enable', 'file', `file_path=${firstLog}`]);
    expectCode(r, 0);
    assert.equal(r.stdout, 'Success! Enabled the file audit device at: file/\n');
  });

  it('audit enable -path=second -description=… enables a second device', async () => {
    const r = await run([
      'audit',
      'enable',
      '-path=second',
      '-description=Second device',
      'file',
      `file_path=${secondLog}`,
    ]);
    expectCode(r, 0);
    assert.equal(r.stdout, 'Success! Enabled the file audit device at: second/\n');
  });

  it('audit list shows both devices as a table', async () => {
    const r = await run(['audit', 'list']);
    expectCode(r, 0);
    assert.equal(
      r.stdout,
      [
        'Path       Type    Description',
        '----       ----    -----------',
        'file/      file    n/a',
        'second/    file    Second device',
        '',
      ].join('\n'),
    );
  });

  it('audit list -detailed shows replication and the file_path option', async () => {
    const r = await run(['audit', 'list', '-detailed']);
    expectCode(r, 0);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^Path {7}Type {4}Description {6}Replication {4}Options$/);
    assert.equal(lines.length, 4, r.stdout);
    assert.match(lines[2] ?? '', new RegExp(`^file/ +file +n/a +replicated +file_path=${escape(firstLog)}$`));
    assert.match(
      lines[3] ?? '',
      new RegExp(`^second/ +file +Second device +replicated +file_path=${escape(secondLog)}$`),
    );
  });

  it('audit list -format=json prints path → device', async () => {
    const r = await run(['audit', 'list', '-format=json']);
    expectCode(r, 0);
    assert.deepEqual(JSON.parse(r.stdout), {
      'file/': {
        type: 'file',
        description: '',
        options: { file_path: firstLog },
        local: false,
        path: 'file/',
      },
      'second/': {
        type: 'file',
        description: 'Second device',
        options: { file_path: secondLog },
        local: false,
        path: 'second/',
      },
    });
  });

  it('the file device writes JSON lines for CLI requests', async () => {
    expectCode(await run(['token', 'lookup']), 0);
    let entries: unknown[] = [];
    for (let i = 0; i < 50 && !entries.some(isRequestEntry); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      entries = auditLines(firstLog);
    }
    assert.ok(entries.length > 0, `no audit lines in ${firstLog}`);
    assert.ok(entries.some(isRequestEntry), `no "type":"request" line in ${JSON.stringify(entries)}`);
  });

  it('audit disable second removes that device only', async () => {
    const r = await run(['audit', 'disable', 'second']);
    expectCode(r, 0);
    assert.equal(r.stdout, 'Success! Disabled audit device (if it was enabled) at: second/\n');
    const list = await run(['audit', 'list', '-format=json']);
    expectCode(list, 0);
    assert.deepEqual(Object.keys(JSON.parse(list.stdout) as object), ['file/']);
  });

  it('audit enable of an unknown type fails with the server’s error (exit 2)', async () => {
    const r = await run(['audit', 'enable', 'nope']);
    expectCode(r, 2);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      'Error enabling audit device: Error making API request.\n\n' +
        `URL: PUT ${server.address}/v1/sys/audit/nope\nCode: 400. Errors:\n\n* unknown backend type: "nope"\n`,
    );
  });

  it('audit list says no device is enabled once the last one is disabled', async () => {
    expectCode(await run(['audit', 'disable', 'file/']), 0);
    const r = await run(['audit', 'list']);
    expectCode(r, 2);
    assert.equal(r.stdout, 'No audit devices are enabled.\n');
  });
});
