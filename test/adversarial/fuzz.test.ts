import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FuzzGenerator } from './helpers/fuzz-requests.js';
import type { FuzzRequest } from './helpers/fuzz-requests.js';
import { setUpFuzzTarget } from './helpers/fuzz-setup.js';
import type { FuzzFixture } from './helpers/fuzz-setup.js';
import { inPool } from './helpers/pool.js';
import { Prng, fuzzSeed } from './helpers/prng.js';
import { leakIn, startTresor } from '../helpers/tresor-process.js';
import type { ApiResponse, TresorProcess } from '../helpers/tresor-process.js';

const REQUESTS = 3_200;
const CONNECTIONS = 8;
const DEFAULT_SEED = 0x7e5021;

/** A request as a failure report shows it: method, target, token kind, headers and body (cut). */
function describeRequest(q: FuzzRequest): string {
  const headers = Object.entries(q.headers)
    .filter(([k]) => k !== 'X-Vault-Token')
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  return `#${q.index} ${q.method} ${q.path.slice(0, 200)} token=${q.tokenKind}${headers === '' ? '' : ` [${headers}]`} body=${(q.body ?? '').slice(0, 200)}`;
}

/** Tokens and secret_ids the server handed out in an answer: they must not reach its logs either. */
function issuedSecrets(r: ApiResponse): string[] {
  const out: string[] = [];
  const auth = r.body.auth as { client_token?: unknown } | undefined;
  const wrap = r.body.wrap_info as { token?: unknown } | undefined;
  const data = r.body.data as { secret_id?: unknown; id?: unknown } | undefined;
  for (const v of [auth?.client_token, wrap?.token, data?.secret_id])
    if (typeof v === 'string' && v.length >= 8) out.push(v);
  return out;
}

/**
 * A seeded random fuzz of every endpoint of a real server process with every engine and auth method
 * mounted. Replay a failing run with FUZZ_SEED=<seed> (printed); each failure names its request.
 */
describe('adversarial: seeded random fuzz of every endpoint', () => {
  let t: TresorProcess;
  let fx: FuzzFixture;
  const seed = fuzzSeed(DEFAULT_SEED);

  before(async () => {
    t = await startTresor({ maxSockets: CONNECTIONS });
    fx = await setUpFuzzTarget(t);
  });
  after(async () => {
    await t.stop();
  });

  it(`${REQUESTS} random requests: no 5xx, no internals in a body, no crash, no secret in the logs`, async (ctx) => {
    ctx.diagnostic(`fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`);
    const gen = new FuzzGenerator(new Prng(seed), fx);
    const requests = Array.from({ length: REQUESTS }, (_, i) => gen.next(i));
    const histogram: Record<string, number> = {};
    const failures: string[] = [];
    const secrets = new Set(fx.secrets);
    let closed = 0;
    await inPool(requests, CONNECTIONS, async (q) => {
      let r: ApiResponse;
      try {
        r = await t.api(q.method, q.path, undefined, {
          token: '',
          headers: q.headers,
          ...(q.body === undefined ? {} : { raw: q.body }),
        });
      } catch (err) {
        // the server may close a connection on bytes it refuses; a crash is caught below
        closed++;
        histogram.closed = (histogram.closed ?? 0) + 1;
        if (!t.alive()) failures.push(`crash after ${describeRequest(q)}: ${(err as Error).message}`);
        return;
      }
      histogram[r.status] = (histogram[r.status] ?? 0) + 1;
      for (const s of issuedSecrets(r)) secrets.add(s);
      const sealedAnswer = r.status === 503 && /sealed|standby/i.test(r.text);
      if (r.status >= 500 && !sealedAnswer)
        failures.push(`${r.status}: ${describeRequest(q)} → ${r.text.slice(0, 300)}`);
      const leak = leakIn(r.text);
      if (leak !== undefined)
        failures.push(`internals (${String(leak)}): ${describeRequest(q)} → ${r.text.slice(0, 300)}`);
    });

    const alive = t.alive();
    const health = alive ? await t.api('GET', 'sys/health') : undefined;
    const rootStillWorks = alive ? (await t.api('GET', 'auth/token/lookup-self')).status : 0;
    const fivexx = Object.entries(histogram)
      .filter(([k]) => Number(k) >= 500)
      .reduce((n, [, v]) => n + v, 0);
    const summary = `fuzz seed=${seed} requests=${REQUESTS} statuses=${JSON.stringify(histogram)} 5xx=${fivexx} closed=${closed} crashes=${alive ? 0 : 1}`;
    ctx.diagnostic(summary);
    console.log(summary);

    const logs = t.server.output();
    const inLogs = [...secrets].filter((s) => logs.includes(s));
    assert.ok(alive, `the server process died: ${logs.slice(-2000)}`);
    assert.equal(health?.status, 200, 'the server still answers and is active and unsealed');
    assert.equal(rootStillWorks, 200, 'the root token still works');
    assert.deepEqual(failures, [], `${failures.length} failing requests (seed ${seed})`);
    assert.deepEqual(
      inLogs.map(
        (s) =>
          `${s.slice(0, 4)}… at: ${logs.slice(Math.max(0, logs.indexOf(s) - 200), logs.indexOf(s) + 40).replaceAll(s, '<SECRET>')}`,
      ),
      [],
      `secrets in the server's logs (${secrets.size} known secrets scanned)`,
    );
  });
});
