/**
 * Helpers of the dev-cluster integration tests: the dev cluster as a child process, TCP probes,
 * process liveness and polling with a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { REPO, envWithout } from '../../helpers/server-process.js';

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** `promise`'s value, or undefined after `ms` (the timer does not outlive the race). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      resolve(undefined);
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls `check` every 100 ms until it is true; throws naming `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A `tresor dev-cluster` run from the repository's sources, with what it prints collected. */
export interface DevClusterRun {
  readonly child: ChildProcess;
  /** What it printed on stdout so far. */
  readonly stdout: string;
  /** What it printed on stderr so far. */
  readonly stderr: string;
  /** Resolves when it exits. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** Resolves once it printed its ready line; throws if it exits first or after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
}

/** Spawns `tresor dev-cluster ARGS` (through tsx, in the repository, no VAULT_* variables). */
export function spawnDevCluster(args: readonly string[]): DevClusterRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'dev-cluster', ...args], {
    cwd: REPO,
    env: envWithout({}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    }),
  );
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    ready: (timeoutMs = 120_000) =>
      eventually(
        'the ready line',
        () => {
          if (child.exitCode !== null)
            throw new Error(`dev-cluster exited with ${child.exitCode}:\n${stdout}\n${stderr}`);
          return stdout.includes('tresor dev cluster is ready');
        },
        timeoutMs,
      ),
  };
}
