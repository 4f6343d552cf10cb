import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startTresorServer } from '../../../src/cluster/tresor-node.js';
import { freePort } from '../../../src/helper/ports.js';
import { TRESOR_FROM_SOURCE } from '../../helpers/server-process.js';

/** The repository root (where src/main.ts lives). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A `tresor server -dev` child process. */
export interface DevServer {
  readonly address: string;
  readonly rootToken: string;
  readonly unsealKey: string;
  /** Everything the server printed so far (for failure messages). */
  readonly output: () => string;
  stop(): Promise<void>;
}

/** An environment without the caller's VAULT_* settings, plus the given variables. */
export function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('VAULT_')) env[k] = v;
  }
  return { ...env, ...extra };
}

/** A fresh, empty home directory. */
export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'tresor-cli-home-'));
}

/**
 * Starts the real CLI as `tresor server -dev` on a free loopback port with a random root token and
 * waits until GET /v1/sys/health answers.
 */
export async function startDevServer(): Promise<DevServer> {
  const port = await freePort();
  const rootToken = `root-${randomBytes(6).toString('hex')}`;
  const address = `http://127.0.0.1:${port}`;
  const server = await startTresorServer({
    name: 'tresor server -dev',
    invocation: TRESOR_FROM_SOURCE,
    args: ['-dev', `-dev-listen-address=127.0.0.1:${port}`, `-dev-root-token-id=${rootToken}`],
    readyUrl: `${address}/v1/sys/health`,
    env: cleanEnv({ HOME: tempHome() }),
    keepBytes: Infinity,
    pollMs: 200,
  });
  const output = (): string => server.recentOutput();
  const stop = (): Promise<void> => server.stop('SIGTERM', 5000);
  // the banner with the unseal key follows the listener start closely
  for (let i = 0; i < 50 && !/Unseal Key: \S+/.test(output()); i++)
    await new Promise((r) => setTimeout(r, 100));
  const unsealKey = /Unseal Key: (\S+)/.exec(output())?.[1] ?? '';
  return { address, rootToken, unsealKey, output, stop };
}

/** The outcome of one CLI run. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node --import tsx src/main.ts <args>` with the given environment and stdin. */
export function tresor(args: readonly string[], env: Record<string, string>, input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: REPO_ROOT,
      env: cleanEnv(env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input);
  });
}
