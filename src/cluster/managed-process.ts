/**
 * Child processes of a local cluster (Consul, the tresor nodes): output relayed line by line with
 * the child's name in front, the last KiB (or all of it) kept for error messages and tests, a
 * graceful stop (a signal, then SIGKILL after a grace period), and a last-resort SIGKILL of every
 * child still alive when this process exits.
 *
 * With `detached` children run in their own process group, so a Ctrl-C in the terminal reaches
 * only `tresor dev-cluster`, which then stops them in order: nodes first (they step down and
 * deregister), Consul last.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** Where relayed output lines go. */
export type LineSink = (line: string) => void;

/** A running child of a local cluster. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves, with how it ended ("exited with code 1", "killed by SIGKILL"), when the child is gone. */
  readonly exited: Promise<string>;
  running(): boolean;
  /** What the child printed (the last `keepBytes`). */
  recentOutput(): string;
  /** Stops relaying the child's output (it is still kept for recentOutput). */
  mute(): void;
  /** Sends `signal`, then SIGKILL after `graceMs`; resolves when the child is gone. */
  stop(signal: NodeJS.Signals, graceMs: number): Promise<void>;
}

/** How to start a managed child. */
export interface SpawnOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Receives each output line, prefixed with the child's name; none when omitted. */
  readonly relay?: LineSink;
  /** Width the name is padded to in relayed lines. */
  readonly nameWidth?: number;
  /** Run the child in its own process group (default false). */
  readonly detached?: boolean;
  /** How much of the output recentOutput() keeps (default 16 KiB; Infinity: all of it). */
  readonly keepBytes?: number;
}

const KEEP_OUTPUT = 16 * 1024;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Starts `command args` as a managed child; throws when it cannot be started at all. */
export async function spawnManaged(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): Promise<ManagedProcess> {
  installExitHook();
  const child = spawn(command, args, {
    env: options.env,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached === true,
  });
  const keep = options.keepBytes ?? KEEP_OUTPUT;
  const relay = options.relay;
  let recent = '';
  let muted = relay === undefined;
  const prefix = `${name.padEnd(options.nameWidth ?? name.length)} | `;
  const relayFrom = (stream: NodeJS.ReadableStream): void => {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      recent = recent + chunk;
      if (recent.length > keep) recent = recent.slice(-keep);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      if (!muted) for (const line of lines) relay?.(prefix + line);
    });
    stream.on('end', () => {
      if (partial !== '' && !muted) relay?.(prefix + partial);
      partial = '';
    });
  };
  relayFrom(child.stdout);
  relayFrom(child.stderr);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(signal === null ? `exited with code ${code ?? '?'}` : `killed by ${signal}`);
    });
    child.once('error', (err) => {
      live.delete(child);
      resolve(`could not be started: ${err.message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  }).catch((err: unknown) => {
    throw new Error(`${name}: could not start ${command}: ${(err as Error).message}`);
  });
  live.add(child);
  const pid = child.pid ?? 0;
  return {
    name,
    pid,
    child,
    exited,
    running: () => isRunning(child),
    recentOutput: () => recent,
    mute: () => {
      muted = true;
    },
    async stop(signal, graceMs) {
      if (!isRunning(child)) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
