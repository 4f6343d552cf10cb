import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type TresorInvocation, startTresorServer } from '../../src/cluster/tresor-node.js';

/** The repository root, where src/main.ts lives. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** `tresor` as the tests run it: the sources through tsx, from the repository root. */
export const TRESOR_FROM_SOURCE: TresorInvocation = {
  command: process.execPath,
  args: ['--import', 'tsx', 'src/main.ts'],
  cwd: REPO,
};

/** The caller's environment without VAULT_* variables, plus `extra`. */
export function envWithout(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('VAULT_')) env[k] = v;
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

/**
 * Starts `tresor server <args>` (src/cluster/tresor-node.ts, all output kept) and waits until
 * `healthUrl` answers at all.
 */
export async function startServerProcess(
  args: string[],
  healthUrl: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const child = await startTresorServer({
    name: 'tresor server',
    invocation: TRESOR_FROM_SOURCE,
    args,
    readyUrl: healthUrl,
    env: envWithout(env),
    keepBytes: Infinity,
    pollMs: 150,
  });
  return {
    child: child.child,
    output: () => child.recentOutput(),
    stop: () => child.stop('SIGTERM', 10_000),
    kill: () => child.stop('SIGKILL', 0),
  };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file args` and collects its exit code (1 when it could not run) and output. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { cwd: options.cwd ?? REPO, env: options.env ?? process.env, timeout: options.timeoutMs ?? 60_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** Runs `tresor <args>` (the real CLI) and collects its exit code and output. */
export function cli(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  return runCommand(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    env: envWithout(env),
    ...(input === undefined ? {} : { input }),
  });
}
