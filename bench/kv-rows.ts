/**
 * The HTTP rows the benches share (bench/compare.ts, bench/audit.ts): sys/health, kv v2 reads and
 * writes spread at random over 1,000 keys (seeded first), orphan token creation; each row is
 * autocannon for a fixed time.
 */
import type autocannon from 'autocannon';
import { forEachLimit } from '../src/helper/for-each-limit.js';
import { runAutocannon } from './autocannon.js';
import type { RunningServer } from './peers.js';

const KEYS = 1000;
const SECRET = JSON.stringify({ data: { password: 'p'.repeat(64), user: 'bench' } });

export interface Measured {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

export const randomKey = (): string => `/v1/secret/data/bench/k${Math.floor(Math.random() * KEYS)}`;

/** Writes the 1,000 keys the read row reads, 16 at a time. */
export async function seed(server: RunningServer): Promise<void> {
  const headers = { 'X-Vault-Token': server.rootToken };
  await forEachLimit(
    Array.from({ length: KEYS }, (_, i) => i),
    16,
    async (i) => {
      const res = await fetch(`${server.addr}/v1/secret/data/bench/k${i}`, {
        method: 'POST',
        headers,
        body: SECRET,
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${server.label}: seeding k${i} answered ${res.status}`);
    },
  );
}

export const ROWS: Record<string, { title: string; options: (s: RunningServer) => autocannon.Options }> = {
  health: { title: 'sys/health', options: (s) => ({ url: `${s.addr}/v1/sys/health` }) },
  read: {
    title: 'kv v2 read',
    options: (s) => ({
      url: s.addr,
      headers: { 'X-Vault-Token': s.rootToken },
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: randomKey() }) }],
    }),
  },
  write: {
    title: 'kv v2 write',
    options: (s) => ({
      url: s.addr,
      headers: { 'X-Vault-Token': s.rootToken, 'Content-Type': 'application/json' },
      requests: [{ method: 'POST', body: SECRET, setupRequest: (req) => ({ ...req, path: randomKey() }) }],
    }),
  },
  token: {
    title: 'token create (orphan)',
    options: (s) => ({
      url: `${s.addr}/v1/auth/token/create-orphan`,
      method: 'POST',
      headers: { 'X-Vault-Token': s.rootToken, 'Content-Type': 'application/json' },
      body: JSON.stringify({ policies: ['default'] }),
    }),
  },
};

/** Seeds the keys, then runs each row in `rowNames` for `seconds` with `connections` connections. */
export async function measure(
  server: RunningServer,
  rowNames: readonly string[],
  seconds: number,
  connections: number,
): Promise<Map<string, Measured>> {
  await seed(server);
  const out = new Map<string, Measured>();
  for (const name of rowNames) {
    const row = ROWS[name];
    if (row === undefined) throw new Error(`unknown row "${name}" (health, read, write, token)`);
    const r = await runAutocannon({ ...row.options(server), connections, duration: seconds });
    out.set(name, {
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.errors + r.non2xx + r.timeouts,
    });
  }
  return out;
}
