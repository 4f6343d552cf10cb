import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliResult, type DevServer, startDevServer, tempHome, tresor } from './cli-harness.js';

/**
 * A chained audit device (chain=true) and `tresor audit verify` against a real dev server: an
 * untouched log verifies; an altered, a removed and an inserted line are each found, with the
 * file and line; a rotated log verifies across its two files, oldest first.
 */
describe('tresor audit verify, on a chained file device', () => {
  let server: DevServer;
  let env: Record<string, string> = {};
  let dir = '';
  let log = '';

  const run = (args: string[]): Promise<CliResult> => tresor(args, env, '');
  const lines = (): string[] =>
    readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l !== '');

  before(async () => {
    server = await startDevServer();
    env = { HOME: tempHome(), VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken };
    dir = mkdtempSync(join(tmpdir(), 'tresor-cli-verify-'));
    log = join(dir, 'audit.log');
    const enabled = await run(['audit', 'enable', '-path=chained', 'file', `file_path=${log}`, 'chain=true']);
    assert.equal(enabled.code, 0, enabled.stderr);
    for (let i = 0; i < 3; i++) {
      const r = await run(['kv', 'put', 'secret/chain', `v=${i}`]);
      assert.equal(r.code, 0, r.stderr);
    }
  });

  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies an untouched log: every entry carries the HMAC of the one before', async () => {
    const all = lines();
    assert.ok(all.length >= 7, `${all.length} entries`);
    for (const line of all.slice(1)) assert.match(line, /"prev_hmac":"hmac-sha256:[0-9a-f]{64}"/);
    const r = await run(['audit', 'verify', '-path=chained', log]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Verified ${all.length} entries: the chain is unbroken.\n`);
  });

  it('finds an altered, a removed and an inserted line', async () => {
    const all = lines();
    const tampered = (edit: (l: string[]) => string[]): string => {
      const file = join(dir, `tampered-${Math.random().toString(36).slice(2)}.log`);
      writeFileSync(file, `${edit([...all]).join('\n')}\n`);
      return file;
    };
    const altered = tampered((l) => {
      l[3] = (l[3] ?? '').replace('"operation":"', '"operation":"x');
      return l;
    });
    const removed = tampered((l) => {
      l.splice(2, 1);
      return l;
    });
    const inserted = tampered((l) => {
      l.splice(4, 0, l[1] ?? '');
      return l;
    });
    for (const [file, line] of [
      [altered, 5],
      [removed, 3],
      [inserted, 5],
    ] as const) {
      const r = await run(['audit', 'verify', '-path=chained', file]);
      assert.equal(r.code, 1, `${file}: ${r.stdout}`);
      assert.match(
        r.stderr,
        new RegExp(
          `${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}: the entry before it is missing or was altered`,
        ),
      );
    }
  });

  it('verifies a rotated log across its files, oldest first', async () => {
    const older = `${log}.1`;
    writeFileSync(older, readFileSync(log));
    writeFileSync(log, '');
    // SIGHUP is the rotation's signal; the dev server is killed by the harness, so write on.
    for (let i = 0; i < 2; i++) assert.equal((await run(['kv', 'put', 'secret/chain', `w=${i}`])).code, 0);
    const r = await run(['audit', 'verify', '-path=chained', older, log]);
    assert.equal(r.code, 0, r.stderr);
    const wrongOrder = await run(['audit', 'verify', '-path=chained', log, older]);
    assert.equal(wrongOrder.code, 1);
  });
});
