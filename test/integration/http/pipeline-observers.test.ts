import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../../helpers/in-process-server.js';
import type { TestServer } from '../../helpers/in-process-server.js';
import type { ObservedOutcome, ObservedRequest, RequestObserver } from '../../../src/core/request-handler.js';

type Seen =
  | { readonly kind: 'request'; readonly entry: ObservedRequest }
  | { readonly kind: 'response'; readonly entry: ObservedRequest; readonly outcome: ObservedOutcome };

describe('request pipeline observers (the hook audit and metrics will use)', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv.stop();
  });

  const record = (seen: Seen[], extra: Partial<RequestObserver> = {}): RequestObserver => ({
    name: 'test',
    onRequest: (entry) => {
      seen.push({ kind: 'request', entry });
    },
    onResponse: (entry, outcome) => {
      seen.push({ kind: 'response', entry, outcome });
    },
    ...extra,
  });

  it('sees a request, then its response, in order and for the same request', async () => {
    const seen: Seen[] = [];
    const remove = srv.server.core.unsealed.handler.observe(record(seen));
    try {
      assert.equal((await srv.api('POST', 'secret/data/observed', { data: { a: 1 } })).status, 200);
      const read = await srv.api('GET', 'secret/data/observed');
      assert.equal(read.status, 200);
    } finally {
      remove();
    }
    assert.deepEqual(
      seen.map((s) => `${s.kind} ${s.entry.operation} ${s.entry.request.path}`),
      [
        'request create secret/data/observed',
        'response create secret/data/observed',
        'request read secret/data/observed',
        'response read secret/data/observed',
      ],
    );
    const [req, res] = seen.slice(2);
    assert.ok(req !== undefined && res !== undefined);
    assert.equal(req.entry, res.entry);
    assert.equal(req.entry.mount.prefix, 'secret/');
    assert.equal(req.entry.mount.type, 'kv');
    assert.deepEqual(req.entry.token?.policies, ['root']);
    assert.ok(res.kind === 'response' && 'response' in res.outcome);
    assert.deepEqual((res.outcome.response.response?.data as { data: unknown }).data, { a: 1 });
  });

  it('sees the error of a failed request and the not-found of a missing one', async () => {
    const seen: Seen[] = [];
    const remove = srv.server.core.unsealed.handler.observe(record(seen));
    try {
      assert.equal((await srv.api('POST', 'secret/data/x', {})).status, 400);
      assert.equal(
        (
          await srv.api('PATCH', 'secret/data/none', { data: { a: 1 } }, undefined, {
            'Content-Type': 'application/merge-patch+json',
          })
        ).status,
        404,
      );
    } finally {
      remove();
    }
    const outcomes = seen.filter((s) => s.kind === 'response').map((s) => s.outcome);
    assert.equal(outcomes.length, 2);
    assert.ok(outcomes[0] !== undefined && 'error' in outcomes[0]);
    assert.ok(outcomes[1] !== undefined && 'response' in outcomes[1] && outcomes[1].response.notFound);
  });

  it('an observer that throws neither changes nor fails the request; a removed one sees nothing', async () => {
    const seen: Seen[] = [];
    const failing: RequestObserver = {
      name: 'failing',
      onRequest: () => {
        throw new Error('observer down');
      },
      onResponse: () => Promise.reject(new Error('observer down')),
    };
    const removeFailing = srv.server.core.unsealed.handler.observe(failing);
    const removeRecord = srv.server.core.unsealed.handler.observe(record(seen));
    try {
      const read = await srv.api('GET', 'secret/data/observed');
      assert.equal(read.status, 200);
      assert.equal(seen.length, 2);
    } finally {
      removeFailing();
      removeRecord();
    }
    await srv.api('GET', 'secret/data/observed');
    assert.equal(seen.length, 2);
  });
});
