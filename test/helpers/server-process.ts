import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, where src/main.ts lives. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The caller's environment without VAULT_* variables, plus `extra`. */
export function envWithout(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('VAULT_')) env[k] = v;
  return { ...env, ...extra };
}

/** A `tresor server` child process. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** SIGTERM, then SIGKILL after 10 s; resolves when the process is gone. */
  stop(): Promise<void>;
  /** SIGKILL at once. */
  kill(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else
      child.once('exit', () => {
        resolve();
      });
  });
}

/** Starts `tresor server <args>` and waits until `healthUrl` answers at all. */
export async function startServerProcess(args: string[], healthUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'server', ...args], {
    cwd: REPO,
    env: envWithout(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const proc: ServerProcess = {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(t);
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited(child);
    },
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tresor server exited with ${child.exitCode}:\n${out}`);
    try {
      await fetch(healthUrl);
      return proc;
    } catch {
      if (Date.now() > deadline) {
        await proc.kill();
        throw new Error(`tresor server did not answer ${healthUrl} within 60 s:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `tresor <args>` (the real CLI) and collects its exit code and output. */
export function cli(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', ...args],
      { cwd: REPO, env: envWithout(env), timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}
