import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBackend } from '../../../src/physical/file.js';
import { TXN_KEYS } from './file-crash-keys.js';

/**
 * kill -9 of a process writing to file storage (file-crash-writer.ts, 16 concurrent writers of puts
 * and 16-key transactions), then the directory reopened: every write the child acknowledged (printed
 * after its promise resolved) holds its value, and every transaction there is whole.
 */
const WRITER = join(import.meta.dirname, 'file-crash-writer.ts');

/** Runs the writer until `acks` writes are acknowledged, SIGKILLs it `delayMs` later; returns the acks seen. */
async function writeUntilKilled(
  dir: string,
  prefix: string,
  acks: number,
  delayMs: number,
  logLimit: number,
): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, prefix, String(logLimit), '16'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let partial = '';
  let killing = false;
  const exited = new Promise<NodeJS.Signals | null>((resolve) => {
    child.on('exit', (_, signal) => {
      resolve(signal);
    });
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) if (line !== 'ready') lines.push(line);
    if (lines.length >= acks && !killing) {
      killing = true;
      // Some ms later, so that kills land anywhere in a batch: prepared, logged, half applied.
      setTimeout(() => child.kill('SIGKILL'), delayMs);
    }
  });
  assert.equal(await exited, 'SIGKILL', 'the writer runs until it is killed');
  return lines; // a partial last line is not an acknowledgement
}

const text = async (backend: FileBackend, key: string) =>
  (await backend.get(key))?.value.toString().split('|')[0];

/** Every acknowledged write is there with its value, and no transaction is half applied. */
async function check(backend: FileBackend, prefix: string, acks: readonly string[]): Promise<void> {
  const lastPut = new Map<string, number>();
  for (const line of acks) {
    const [kind, w = '', nText] = line.split(' ');
    const n = Number(nText);
    if (kind === 'put') {
      assert.equal(await text(backend, `${prefix}k/${w}/${n}`), `v${w}-${n}`, line);
      lastPut.set(w, Math.max(n, lastPut.get(w) ?? -1));
    } else {
      assert.equal(kind, 'txn', line);
      assert.ok((await backend.list(`${prefix}t/${w}/`)).includes(`${n}/`), line);
    }
  }
  for (const [w, n] of lastPut)
    assert.ok(Number(await text(backend, `${prefix}o/${w}`)) >= n, `o/${w} >= ${n}`);
  // Every transaction present, acknowledged or not, is whole: each deletes its writer's previous
  // one's c, so only the newest keeps it.
  const leaves = TXN_KEYS.filter((k) => k !== 'c');
  for (const w of await backend.list(`${prefix}t/`)) {
    const txns = (await backend.list(`${prefix}t/${w}`)).map((name) => Number(name.slice(0, -1)));
    const newest = Math.max(...txns);
    for (const n of txns) {
      const folder = `${prefix}t/${w}${n}/`;
      const keys = await backend.list(folder);
      assert.deepEqual(keys, n === newest ? [...TXN_KEYS].sort() : leaves, folder);
      for (const key of keys)
        assert.equal(await text(backend, `${folder}${key}`), String(n), `${folder}${key}`);
    }
  }
}

describe('file storage across kill -9', () => {
  for (const { logLimit, why } of [
    { logLimit: 4 << 20, why: 'one log' },
    { logLimit: 16 << 10, why: 'checkpoints running (16 KiB log limit)' },
  ]) {
    it(`keeps every acknowledged write and no half transaction, killed 6 times: ${why}`, async () => {
      const sandbox = mkdtempSync(join(tmpdir(), 'tresor-file-crash-'));
      try {
        const dir = join(sandbox, 'data');
        const runs: { prefix: string; acks: string[] }[] = [];
        // Each run writes below its own prefix on the directory the previous run's crash left.
        const kills = [
          { acks: 20, delayMs: 0 },
          { acks: 200, delayMs: 13 },
          { acks: 60, delayMs: 37 },
          { acks: 120, delayMs: 61 },
          { acks: 40, delayMs: 89 },
          { acks: 80, delayMs: 127 },
        ];
        for (const [i, { acks, delayMs }] of kills.entries()) {
          const prefix = `run${i}/`;
          const seen = await writeUntilKilled(dir, prefix, acks, delayMs, logLimit);
          assert.ok(seen.length >= acks);
          runs.push({ prefix, acks: seen });
          const reopened = new FileBackend({ path: dir });
          for (const run of runs) await check(reopened, run.prefix, run.acks);
          if (i % 2 === 1) await reopened.close(); // and otherwise leave it as a crash would
        }
      } finally {
        rmSync(sandbox, { recursive: true, force: true });
      }
    });
  }
});
