import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '../helpers/in-process-server.js';
import type { TestServer } from '../helpers/in-process-server.js';

const script = fileURLToPath(new URL('./hvac_compat.py', import.meta.url));

function runPython(env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.PYTHON ?? 'python3', [script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? 1, out });
    });
  });
}

/** hvac from PyPI against the server over a real socket: KV v2, tokens, policies, LIST. */
describe('hvac compatibility', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv.stop();
  });

  it('runs KV v2, token and policy operations unchanged', async () => {
    const { code, out } = await runPython({ VAULT_ADDR: srv.url, VAULT_TOKEN: srv.rootToken });
    assert.equal(code, 0, `hvac script failed (is hvac installed? .ci/run installs it):\n${out}`);
    assert.match(out, /hvac compat: all steps passed/);
  });
});
