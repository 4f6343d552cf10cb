import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../../helpers/in-process-server.js';
import type { TestServer } from '../../helpers/in-process-server.js';

interface Case {
  readonly name: string;
  readonly policy: string;
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly allowed: boolean;
}

const rule = (path: string, caps: string[]): string =>
  `path "${path}" {\n  capabilities = [${caps.map((c) => `"${c}"`).join(', ')}]\n}\n`;

/** For each capability and each path-matching rule, one request that must pass and one that must not. */
const CASES: Case[] = [
  // capabilities, on an exact rule
  {
    name: 'read allowed by read',
    policy: rule('acl/item', ['read']),
    method: 'GET',
    path: 'acl/item',
    allowed: true,
  },
  {
    name: 'read denied without read',
    policy: rule('acl/item', ['list']),
    method: 'GET',
    path: 'acl/item',
    allowed: false,
  },
  {
    name: 'list allowed by list',
    policy: rule('acl/folder/', ['list']),
    method: 'LIST',
    path: 'acl/folder',
    allowed: true,
  },
  {
    name: 'list denied by read only',
    policy: rule('acl/folder/', ['read']),
    method: 'LIST',
    path: 'acl/folder',
    allowed: false,
  },
  {
    name: 'create of a new item allowed by create',
    policy: rule('acl/new-*', ['create']),
    method: 'POST',
    path: 'acl/new-1',
    body: { v: 1 },
    allowed: true,
  },
  {
    name: 'create of a new item denied by update only',
    policy: rule('acl/new-*', ['update']),
    method: 'POST',
    path: 'acl/new-2',
    body: { v: 1 },
    allowed: false,
  },
  {
    name: 'update of an existing item allowed by update',
    policy: rule('acl/item', ['update']),
    method: 'POST',
    path: 'acl/item',
    body: { v: 2 },
    allowed: true,
  },
  {
    name: 'update of an existing item denied by create only',
    policy: rule('acl/item', ['create']),
    method: 'POST',
    path: 'acl/item',
    body: { v: 2 },
    allowed: false,
  },
  {
    name: 'delete allowed by delete',
    policy: rule('acl/doomed', ['delete']),
    method: 'DELETE',
    path: 'acl/doomed',
    allowed: true,
  },
  {
    name: 'delete denied by update',
    policy: rule('acl/doomed', ['update']),
    method: 'DELETE',
    path: 'acl/doomed',
    allowed: false,
  },
  {
    name: 'patch allowed by patch',
    policy: rule('kv2/data/item', ['patch']),
    method: 'PATCH',
    path: 'kv2/data/item',
    body: { data: { b: 2 } },
    headers: { 'content-type': 'application/merge-patch+json' },
    allowed: true,
  },
  {
    name: 'patch denied by update',
    policy: rule('kv2/data/item', ['update']),
    method: 'PATCH',
    path: 'kv2/data/item',
    body: { data: { b: 2 } },
    headers: { 'content-type': 'application/merge-patch+json' },
    allowed: false,
  },
  {
    name: 'sudo path allowed with list+sudo',
    policy: rule('auth/token/accessors/', ['list', 'sudo']),
    method: 'LIST',
    path: 'auth/token/accessors',
    allowed: true,
  },
  {
    name: 'sudo path denied with list alone',
    policy: rule('auth/token/accessors/', ['list']),
    method: 'LIST',
    path: 'auth/token/accessors',
    allowed: false,
  },
  {
    name: 'deny overrides every other capability',
    policy: rule('acl/item', ['read', 'deny']),
    method: 'GET',
    path: 'acl/item',
    allowed: false,
  },
  {
    name: 'deny in another policy on the same path wins',
    policy: rule('acl/item', ['read']) + '\n' + rule('acl/item', ['deny']),
    method: 'GET',
    path: 'acl/item',
    allowed: false,
  },

  // matching rules
  {
    name: 'exact rule matches only its path',
    policy: rule('acl/item', ['read']),
    method: 'GET',
    path: 'acl/item2',
    allowed: false,
  },
  {
    name: '* prefix rule matches below',
    policy: rule('acl/pre/*', ['read']),
    method: 'GET',
    path: 'acl/pre/a/b',
    allowed: true,
  },
  {
    name: '* prefix rule does not match a sibling',
    policy: rule('acl/pre/*', ['read']),
    method: 'GET',
    path: 'acl/other',
    allowed: false,
  },
  {
    name: '+ matches exactly one segment',
    policy: rule('acl/+/seg', ['read']),
    method: 'GET',
    path: 'acl/x/seg',
    allowed: true,
  },
  {
    name: '+ does not match two segments',
    policy: rule('acl/+/seg', ['read']),
    method: 'GET',
    path: 'acl/x/y/seg',
    allowed: false,
  },
  {
    name: 'exact rule beats a glob',
    policy: rule('acl/pre/*', ['read']) + rule('acl/pre/secret', ['deny']),
    method: 'GET',
    path: 'acl/pre/secret',
    allowed: false,
  },
  {
    name: 'exact rule beats a glob (allowed side)',
    policy: rule('acl/pre/*', ['deny']) + rule('acl/pre/open', ['read']),
    method: 'GET',
    path: 'acl/pre/open',
    allowed: true,
  },
  {
    name: 'longer prefix wins over shorter',
    policy: rule('acl/glob/*', ['read']) + rule('acl/glob/deeper/*', ['list']),
    method: 'GET',
    path: 'acl/glob/deeper/x',
    allowed: false,
  },
  {
    name: 'shorter prefix still applies elsewhere',
    policy: rule('acl/glob/*', ['read']) + rule('acl/glob/deeper/*', ['list']),
    method: 'GET',
    path: 'acl/glob/x',
    allowed: true,
  },
  {
    name: 'later wildcard beats earlier + (priority)',
    policy: rule('acl/+/p/*', ['deny']) + rule('acl/a/+/*', ['read']),
    method: 'GET',
    path: 'acl/a/p/x',
    allowed: true,
  },
  {
    name: 'glob without * beats glob with *',
    policy: rule('acl/a/+', ['read']) + rule('acl/a/*', ['deny']),
    method: 'GET',
    path: 'acl/a/b',
    allowed: true,
  },
  {
    name: 'no rule at all is a deny',
    policy: rule('elsewhere/*', ['read']),
    method: 'GET',
    path: 'acl/item',
    allowed: false,
  },

  // parameter constraints
  {
    name: 'allowed_parameters lets a listed value through',
    policy:
      'path "acl/param" {\n capabilities = ["create", "update"]\n allowed_parameters = { "env" = ["dev", "prod"] }\n}',
    method: 'POST',
    path: 'acl/param',
    body: { env: 'dev' },
    allowed: true,
  },
  {
    name: 'allowed_parameters refuses another value',
    policy:
      'path "acl/param" {\n capabilities = ["create", "update"]\n allowed_parameters = { "env" = ["dev", "prod"] }\n}',
    method: 'POST',
    path: 'acl/param',
    body: { env: 'qa' },
    allowed: false,
  },
  {
    name: 'denied_parameters refuses the key',
    policy:
      'path "acl/param" {\n capabilities = ["create", "update"]\n denied_parameters = { "admin" = [] }\n}',
    method: 'POST',
    path: 'acl/param',
    body: { admin: true },
    allowed: false,
  },
  {
    name: 'required_parameters refuses a missing key',
    policy: 'path "acl/param" {\n capabilities = ["create", "update"]\n required_parameters = ["owner"]\n}',
    method: 'POST',
    path: 'acl/param',
    body: { env: 'dev' },
    allowed: false,
  },
];

describe('ACL matrix over HTTP', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
    assert.equal((await srv.api('POST', 'sys/mounts/acl', { type: 'kv' })).status, 204);
    assert.equal(
      (await srv.api('POST', 'sys/mounts/kv2', { type: 'kv', options: { version: '2' } })).status,
      204,
    );
    for (const p of [
      'acl/item',
      'acl/folder/a',
      'acl/doomed',
      'acl/pre/a/b',
      'acl/pre/secret',
      'acl/pre/open',
      'acl/x/seg',
      'acl/glob/x',
      'acl/glob/deeper/x',
      'acl/a/p/x',
      'acl/a/b',
    ]) {
      assert.equal((await srv.api('PUT', p, { v: 1 })).status, 204);
    }
    assert.equal((await srv.api('PUT', 'kv2/data/item', { data: { a: 1 } })).status, 200);
  });
  after(async () => {
    await srv.stop();
  });

  let n = 0;
  for (const c of CASES) {
    it(`${c.allowed ? 'allows' : 'denies'}: ${c.name}`, async () => {
      n += 1;
      const name = `matrix-${n}`;
      assert.equal((await srv.api('PUT', `sys/policies/acl/${name}`, { policy: c.policy })).status, 204);
      const tok = await srv.api('POST', 'auth/token/create', { policies: [name], no_default_policy: true });
      const token = (tok.body.auth as { client_token: string }).client_token;
      const method = c.method === 'LIST' ? 'GET' : c.method;
      const path = c.method === 'LIST' ? `${c.path}?list=true` : c.path;
      const res = await srv.api(method, path, c.body, token, c.headers);
      if (c.allowed)
        assert.ok(
          res.status < 300,
          `expected ${c.method} ${c.path} to succeed, got ${res.status}: ${res.text}`,
        );
      else {
        assert.equal(
          res.status,
          403,
          `expected ${c.method} ${c.path} to be denied, got ${res.status}: ${res.text}`,
        );
        assert.deepEqual(res.body, { errors: ['1 error occurred:\n\t* permission denied\n\n'] });
      }
    });
  }
});
