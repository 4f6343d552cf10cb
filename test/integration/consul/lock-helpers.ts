/** Shared pieces of the HA lock tests: a test bed of "nodes" on one real agent, and waiting helpers. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ConsulBackend } from '../../../consul/storage/backend.js';
import type { HaLock, LeaderAdvertisement } from '../../../src/physical/types.js';
import type { ConsulAgent } from '../../helpers/consul.js';
import { consulStorageConfig } from '../../../src/config/load.js';

/** The lock key, relative to the `vault/` prefix. */
export const LOCK = 'core/lock';

/** How long to wait for anything that should happen: generous, these tests check behaviour, never speed. */
export const PATIENCE = 30_000;

/** A node's advertisement in the lock value. */
export function advertisement(nodeId: string): LeaderAdvertisement {
  return { nodeId, apiAddr: `http://${nodeId}.test:8200`, clusterAddr: `https://${nodeId}.test:8201` };
}

/** Resolves with the value, or rejects when `ms` pass first. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with the signal's reason once it aborts. */
export function whenAborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => {
      resolve(signal.reason);
    });
  });
}

/** Polls until `condition` holds (bound it with `within`). */
export async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Backends ("nodes") on one agent with short lock timings, cleaned up by `reset()`. */
export class LockTestBed {
  private readonly backends: ConsulBackend[] = [];
  private readonly cancels: AbortController[] = [];

  constructor(readonly agent: ConsulAgent) {}

  node(overrides: Readonly<Record<string, string>> = {}): ConsulBackend {
    const b = new ConsulBackend(
      consulStorageConfig({
        address: this.agent.httpAddr,
        path: 'vault/',
        check_ttl: '1s',
        lock_delay: '250ms',
        lock_wait_time: '5s',
        ...overrides,
      }),
    );
    this.backends.push(b);
    return b;
  }

  /** Starts acquiring; the attempt is cancelled by `reset()` if still pending. */
  acquire(lock: HaLock): Promise<AbortSignal> {
    const cancel = new AbortController();
    this.cancels.push(cancel);
    return lock.acquire(cancel.signal);
  }

  /** Calls Consul's HTTP API directly (as an operator would). */
  async consul(method: string, path: string): Promise<unknown> {
    const res = await fetch(`http://${this.agent.httpAddr}/v1/${path}`, { method });
    assert.ok(res.ok, `${method} ${path}: ${res.status}`);
    const text = await res.text();
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }

  /** The session holding the lock key in Consul, if any. */
  async holderSession(): Promise<string | undefined> {
    const res = await fetch(`http://${this.agent.httpAddr}/v1/kv/vault/${LOCK}`);
    if (res.status === 404) return undefined;
    const [entry] = (await res.json()) as { Session?: string }[];
    return entry?.Session;
  }

  async reset(): Promise<void> {
    for (const c of this.cancels.splice(0)) c.abort();
    await Promise.all(this.backends.splice(0).map((b) => b.close()));
  }
}

/** A lock-holder.ts child process ("another node"), its output lines, and its session once it holds the lock. */
export function spawnHolder(
  agent: ConsulAgent,
  nodeId: string,
  mode?: 'write',
): { child: ChildProcess; lines: string[]; held: Promise<string> } {
  const script = fileURLToPath(new URL('./lock-holder.ts', import.meta.url));
  const args = ['--import', 'tsx', script, agent.httpAddr, nodeId, ...(mode === undefined ? [] : [mode])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const held = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line.startsWith('held ')) resolve(line.slice('held '.length));
    });
    child.once('exit', (code, signal) => {
      reject(new Error(`lock holder exited (${signal ?? String(code)}) before holding the lock`));
    });
  });
  held.catch(() => undefined);
  return { child, lines, held };
}
