import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { AuditSalt } from '../../../../src/core/audit/audit-hash.js';
import { EntryFormatter, type AuditedRequest } from '../../../../src/core/audit/audit-entry.js';
import { entryOptions } from '../../../../src/core/audit/audit-table.js';
import type { HandledResponse } from '../../../../src/core/request-handler-types.js';
import type { TokenEntry } from '../../../../src/core/token/token-entry.js';
import { LineWriter } from '../../../../src/builtin/audit/line-writer.js';

const salt = new AuditSalt(Buffer.from('0b1f7d9e-5c1a-4e0b-9a43-3f3c2f1d7a11'));
const h = (v: string): string =>
  `hmac-sha256:${createHmac('sha256', '0b1f7d9e-5c1a-4e0b-9a43-3f3c2f1d7a11').update(v).digest('hex')}`;

const token: TokenEntry = {
  accessor: 'acc-1',
  parent: '',
  policies: ['default', 'dev'],
  meta: { user: 'bob' },
  displayName: 'token-bob',
  numUses: 0,
  creationTime: 1_700_000_000,
  creationTtl: 3600,
  expireTime: 0,
  explicitMaxTtl: 0,
  period: 0,
  renewable: true,
  path: 'auth/token/create',
  type: 'service',
  cubbyholeId: 'c',
  role: '',
  lastRenewal: 0,
  boundCidrs: [],
};

const audited = (
  data: Record<string, unknown>,
  operation: AuditedRequest['operation'] = 'update',
): AuditedRequest => ({
  id: 'req-1',
  operation,
  request: {
    operation,
    path: 'secret/data/x',
    data,
    clientToken: 's.secret',
    remoteAddress: '10.0.0.5',
    headers: {},
  },
  mount: { prefix: 'secret/', type: 'kv', accessor: 'kv_1', table: 'mounts' },
  token,
});

const handled = (data: Record<string, unknown>): HandledResponse => ({
  response: { data },
  notFound: false,
  auth: null,
  leaseId: '',
  leaseDuration: 0,
  renewable: false,
  wrapInfo: { token: 'wrap-tok', accessor: 'wrap-acc', ttl: 60, creation_time: 't', creation_path: 'p' },
  warnings: [],
});

describe('audit entries (src/core/audit/audit-entry.ts)', () => {
  it("hashes every string at any depth of the data, and tokens and accessors, in Vault's shape", () => {
    const f = new EntryFormatter(salt, entryOptions({}));
    const e = f.requestEntry(
      audited({ a: 'x', n: 5, ok: true, none: null, list: ['y', 1], deep: { s: '' } }),
    );
    const request = e.request as Record<string, unknown>;
    assert.deepEqual(request.data, {
      a: h('x'),
      n: 5,
      ok: true,
      none: null,
      list: [h('y'), 1],
      deep: { s: h('') },
    });
    assert.equal(request.client_token, h('s.secret'));
    assert.equal(request.client_token_accessor, h('acc-1'));
    assert.equal(request.mount_class, 'secret');
    assert.equal(request.path, 'secret/data/x');
    assert.ok(!('wrap_ttl' in request), 'empty fields are omitted');
    const auth = e.auth as Record<string, unknown>;
    assert.equal(auth.display_name, 'token-bob');
    assert.deepEqual(auth.metadata, { user: 'bob' });
    assert.ok(!('token_ttl' in auth), 'a token without expiry has no ttl');
    assert.equal(auth.token_issue_time, '2023-11-14T22:13:20Z');
    assert.equal(e.type, 'request');
  });

  it('leaves accessors clear with hmac_accessor=false, and everything clear with log_raw=true', () => {
    const plainAccessors = new EntryFormatter(salt, entryOptions({ hmac_accessor: 'false' }));
    const r1 = plainAccessors.responseEntry(audited({}), { response: handled({ v: 'x' }) });
    assert.equal((r1.request as Record<string, unknown>).client_token_accessor, 'acc-1');
    assert.deepEqual(r1.response && (r1.response as Record<string, unknown>).wrap_info, {
      ttl: 60,
      token: h('wrap-tok'),
      accessor: 'wrap-acc',
      creation_time: 't',
      creation_path: 'p',
    });
    const raw = new EntryFormatter(salt, entryOptions({ log_raw: 'true' }));
    const r2 = raw.responseEntry(audited({ v: 'in' }), { response: handled({ v: 'out' }) });
    assert.equal((r2.request as Record<string, unknown>).client_token, 's.secret');
    assert.deepEqual((r2.response as Record<string, unknown>).data, { v: 'out' });
  });

  it('elides list responses to their sizes when asked', () => {
    const f = new EntryFormatter(salt, entryOptions({ elide_list_responses: 'true' }));
    const e = f.responseEntry(audited({}, 'list'), {
      response: handled({ keys: ['a', 'b', 'c'], key_info: { a: {} } }),
    });
    assert.deepEqual((e.response as Record<string, unknown>).data, { keys: 3, key_info: 1 });
  });

  it('records an error as the client saw it: exposed messages, else "internal error"', () => {
    const f = new EntryFormatter(salt, entryOptions({}));
    assert.equal(
      f.responseEntry(audited({}), { error: new Error('disk path /secret/x') }).error,
      'internal error',
    );
  });

  it('refuses bad common options with a message naming them', () => {
    assert.throws(() => entryOptions({ format: 'jsonx' }), /jsonx format is not supported/);
    assert.throws(() => entryOptions({ prefix: '@cee:' }), /prefixing is not allowed/);
    assert.throws(() => entryOptions({ log_raw: 'sometimes' }), /log_raw/);
  });
});

describe('LineWriter (src/builtin/audit/line-writer.ts)', () => {
  it('writes in order, batching what queued meanwhile, and fails entries whose write hangs', async () => {
    const writes: string[] = [];
    let hang = false;
    const w = new LineWriter(
      (data) => {
        if (hang) return new Promise<void>(() => undefined);
        writes.push(data);
        return Promise.resolve();
      },
      100,
      'test sink',
    );
    await Promise.all(['a\n', 'b\n', 'c\n'].map((l) => w.write(l)));
    assert.equal(writes.join(''), 'a\nb\nc\n');
    assert.ok(writes.length < 3, 'the lines queued behind the first write went in one');
    hang = true;
    await assert.rejects(w.write('d\n'), /test sink: the write did not complete within 100 ms/);
  });
});
