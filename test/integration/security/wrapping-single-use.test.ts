import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTresor } from '../../helpers/tresor-process.js';
import type { TresorProcess } from '../../helpers/tresor-process.js';
import { startHaCluster } from '../../helpers/ha-cluster.js';
import type { HaCluster } from '../../helpers/ha-cluster.js';
import { CONSUL_START_TIMEOUT } from '../../helpers/consul.js';
import { type ApiResponse, vaultApi } from '../../helpers/vault-api.js';

/**
 * A wrapping token is single use: of any number of concurrent unwraps and rewraps of one token,
 * exactly one gets the wrapped response, on file storage and on Consul storage (through the
 * standby too, which forwards to the active node).
 */

const CONCURRENCY = 20;
const TEST_TIMEOUT = 120_000;

type Answer = ApiResponse;

/** Where requests go: every address in turn (a standby among them forwards to the active node). */
interface Target {
  readonly addrs: readonly string[];
  readonly rootToken: string;
}

interface CallOptions {
  /** X-Vault-Token; the root token when omitted, none when ''. */
  readonly token?: string;
  readonly wrapTtl?: string;
  /** Index of the address to use (modulo their count). */
  readonly via?: number;
}

function call(t: Target, method: string, path: string, body?: unknown, o: CallOptions = {}): Promise<Answer> {
  const addr = t.addrs[(o.via ?? 0) % t.addrs.length] ?? '';
  return vaultApi(addr, method, path, body, {
    token: o.token ?? t.rootToken,
    headers: o.wrapTtl === undefined ? {} : { 'X-Vault-Wrap-TTL': o.wrapTtl },
    timeoutMs: 30_000,
  });
}

function wrapToken(a: Answer): string {
  const info = a.body.wrap_info as { token?: string } | undefined;
  assert.ok(info?.token !== undefined, `expected wrap_info, got ${a.status} ${a.text}`);
  return info.token;
}

async function wrapSecret(t: Target, secret: string): Promise<string> {
  return wrapToken(await call(t, 'POST', 'sys/wrapping/wrap', { secret }, { wrapTtl: '5m' }));
}

/** Checks that exactly one answer won, that every other one is a clean 400, and returns the winner. */
function exactlyOne(answers: Answer[], won: (a: Answer) => boolean): Answer {
  const winners = answers.filter(won);
  assert.equal(
    winners.length,
    1,
    `expected exactly one success, got: ${answers.map((a) => a.status).join(',')}`,
  );
  for (const a of answers) {
    if (a === winners[0]) continue;
    assert.equal(a.status, 400, `a losing request must be refused with 400: ${a.status} ${a.text}`);
    assert.match(a.text, /wrapping token is not valid or does not exist/);
  }
  const [winner] = winners;
  assert.ok(winner !== undefined);
  return winner;
}

const unwrapped = (secret: string) => (a: Answer) =>
  a.status === 200 && (a.body.data as { secret?: string } | null)?.secret === secret;
const rewrapped = (a: Answer) =>
  a.status === 200 && typeof (a.body.wrap_info as { token?: unknown } | undefined)?.token === 'string';

function races(target: () => Target): void {
  it(
    '20 concurrent unwraps of one token (body and X-Vault-Token): exactly one answers 200',
    { timeout: TEST_TIMEOUT },
    async () => {
      const t = target();
      const token = await wrapSecret(t, 'only-once');
      const answers = await Promise.all(
        Array.from({ length: CONCURRENCY }, (_, i) =>
          i % 2 === 0
            ? call(t, 'POST', 'sys/wrapping/unwrap', { token }, { token: '', via: i })
            : call(t, 'POST', 'sys/wrapping/unwrap', undefined, { token, via: i }),
        ),
      );
      exactlyOne(answers, unwrapped('only-once'));
      assert.equal((await call(t, 'POST', 'sys/wrapping/unwrap', { token }, { token: '' })).status, 400);
    },
  );

  it(
    '20 concurrent rewraps of one token: exactly one, and its new token unwraps once',
    { timeout: TEST_TIMEOUT },
    async () => {
      const t = target();
      const token = await wrapSecret(t, 'rewrapped');
      const answers = await Promise.all(
        Array.from({ length: CONCURRENCY }, (_, i) =>
          call(t, 'POST', 'sys/wrapping/rewrap', { token }, { via: i }),
        ),
      );
      const next = wrapToken(exactlyOne(answers, rewrapped));
      const again = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          call(t, 'POST', 'sys/wrapping/unwrap', { token: next }, { token: '', via: i }),
        ),
      );
      exactlyOne(again, unwrapped('rewrapped'));
    },
  );

  it(
    '20 concurrent unwraps and rewraps mixed: exactly one of them wins',
    { timeout: TEST_TIMEOUT },
    async () => {
      const t = target();
      const token = await wrapSecret(t, 'mixed');
      const answers = await Promise.all(
        Array.from({ length: CONCURRENCY }, (_, i) =>
          i % 2 === 0
            ? call(t, 'POST', 'sys/wrapping/unwrap', undefined, { token, via: i })
            : call(t, 'POST', 'sys/wrapping/rewrap', { token }, { via: i }),
        ),
      );
      exactlyOne(answers, (a) => unwrapped('mixed')(a) || rewrapped(a));
    },
  );

  it(
    'a wrapped approle secret_id unwrapped 5 times at once is handed out once',
    { timeout: TEST_TIMEOUT },
    async () => {
      const t = target();
      const wrapped = await call(t, 'POST', 'auth/approle/role/app/secret-id', {}, { wrapTtl: '5m' });
      const token = wrapToken(wrapped);
      const answers = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          call(t, 'POST', 'sys/wrapping/unwrap', { token }, { token: '', via: i }),
        ),
      );
      const winner = exactlyOne(
        answers,
        (a) =>
          a.status === 200 && typeof (a.body.data as { secret_id?: unknown } | null)?.secret_id === 'string',
      );
      const secretId = (winner.body.data as { secret_id: string }).secret_id;
      const roleId = (
        (await call(t, 'GET', 'auth/approle/role/app/role-id')).body.data as { role_id: string }
      ).role_id;
      const login = await call(
        t,
        'POST',
        'auth/approle/login',
        { role_id: roleId, secret_id: secretId },
        { token: '' },
      );
      assert.equal(login.status, 200, login.text);
    },
  );

  it(
    'sys/wrapping/lookup does not spend the token, however often it is called',
    { timeout: TEST_TIMEOUT },
    async () => {
      const t = target();
      const token = await wrapSecret(t, 'looked-up');
      const lookups = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          i % 2 === 0
            ? call(t, 'POST', 'sys/wrapping/lookup', { token }, { token: '', via: i })
            : call(t, 'GET', 'sys/wrapping/lookup', undefined, { token, via: i }),
        ),
      );
      for (const l of lookups) {
        assert.equal(l.status, 200, l.text);
        assert.equal((l.body.data as { creation_path?: string }).creation_path, 'sys/wrapping/wrap');
      }
      const answers = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          call(t, 'POST', 'sys/wrapping/unwrap', { token }, { token: '', via: i }),
        ),
      );
      exactlyOne(answers, unwrapped('looked-up'));
      assert.equal((await call(t, 'POST', 'sys/wrapping/lookup', { token }, { token: '' })).status, 400);
    },
  );
}

async function setUpApprole(t: Target): Promise<void> {
  for (const [path, body] of [
    ['sys/auth/approle', { type: 'approle' }],
    ['auth/approle/role/app', { token_policies: ['default'] }],
  ] as const) {
    const r = await call(t, 'POST', path, body);
    assert.ok(r.status === 204 || r.status === 200, `${path}: ${r.status} ${r.text}`);
  }
}

describe('wrapping tokens are single use: file storage', () => {
  let tresor: TresorProcess;
  let target: Target;
  before(async () => {
    tresor = await startTresor({ maxSockets: 64 });
    target = { addrs: [tresor.url], rootToken: tresor.rootToken };
    await setUpApprole(target);
  });
  after(async () => {
    await tresor.stop();
  });
  races(() => target);
});

describe('wrapping tokens are single use: Consul storage, two HA nodes', () => {
  let cluster: HaCluster;
  let target: Target;
  before(
    async () => {
      cluster = await startHaCluster(2);
      const active = await cluster.active(30_000);
      const standby = cluster.nodes.find((n) => n !== active);
      assert.ok(standby !== undefined);
      target = { addrs: [active.addr, standby.addr], rootToken: cluster.rootToken };
      await setUpApprole(target);
    },
    { timeout: CONSUL_START_TIMEOUT },
  );
  after(async () => {
    await cluster.stop();
  });
  races(() => target);
});
