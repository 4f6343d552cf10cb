import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidRequestError } from '../../../../src/helper/errors.js';
import { decodePolicyText, parsePolicy, renderPolicy } from '../../../../src/core/policy/parse.js';

/** Asserts that parsing fails with a 400 whose message matches every pattern given. */
async function rejects(text: string, ...patterns: RegExp[]): Promise<string> {
  try {
    await parsePolicy('dev', text);
  } catch (err) {
    assert.ok(err instanceof InvalidRequestError, `expected InvalidRequestError, got ${String(err)}`);
    assert.equal(err.status, 400);
    for (const p of patterns) assert.match(err.message, p);
    return err.message;
  }
  assert.fail('policy parsed, but should have been rejected');
}

describe('parsePolicy: HCL', () => {
  it('parses every path option and classifies patterns', async () => {
    const policy = await parsePolicy(
      'dev',
      `# a comment
path "secret/data/app" {
  capabilities = ["read", "update", "read"]
  allowed_parameters = {
    "TTL" = ["1h", "2h"]
    "*"   = []
  }
  denied_parameters = { admin = [] }
  required_parameters = ["name"]
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = 3600
  comment = "free text"
}
path "/secret/*" { capabilities = ["list"] }
path "secret/+/config" { capabilities = ["patch"] }
path "secret/+/logs/*" { capabilities = ["delete"] }
`,
    );
    assert.equal(policy.name, 'dev');
    assert.equal(policy.templated, false);
    // The HCL converter orders blocks by pattern, so look them up rather than by position.
    const rule = (pattern: string) => policy.paths.find((p) => p.pattern === pattern);
    const [exact, prefix, segment, segmentPrefix] = [
      'secret/data/app',
      'secret/*',
      'secret/+/config',
      'secret/+/logs/*',
    ].map(rule);
    assert.deepEqual(exact, {
      pattern: 'secret/data/app',
      kind: 'exact',
      path: 'secret/data/app',
      capabilities: ['read', 'update'],
      allowedParameters: { ttl: ['1h', '2h'], '*': [] },
      deniedParameters: { admin: [] },
      requiredParameters: ['name'],
      minWrappingTtl: 60,
      maxWrappingTtl: 3600,
    });
    assert.ok(prefix && segment && segmentPrefix, 'a leading slash is dropped from "/secret/*"');
    assert.equal(prefix.kind, 'prefix');
    assert.equal(prefix.path, 'secret/');
    assert.equal(segment.kind, 'segment');
    assert.equal(segment.path, 'secret/+/config');
    assert.equal(segmentPrefix.kind, 'segment');
    assert.equal(segmentPrefix.path, 'secret/+/logs/*', 'segment patterns keep their trailing *');
  });

  it('keeps two blocks for the same pattern (the ACL merges them)', async () => {
    const policy = await parsePolicy(
      'dev',
      'path "a" { capabilities = ["read"] }\npath "a" { capabilities = ["list"] }\n',
    );
    assert.deepEqual(
      policy.paths.map((p) => p.capabilities),
      [['read'], ['list']],
    );
  });

  it('maps legacy policy = values to capabilities as Vault does', async () => {
    const caps = async (legacy: string) =>
      (await parsePolicy('p', `path "x" { policy = "${legacy}" }`)).paths[0]?.capabilities;
    assert.deepEqual(await caps('read'), ['read', 'list']);
    assert.deepEqual(
      await caps('write'),
      ['create', 'read', 'update', 'delete', 'list'],
      'write does not include patch',
    );
    assert.deepEqual(await caps('sudo'), ['create', 'read', 'update', 'delete', 'list', 'sudo']);
    assert.deepEqual(await caps('deny'), ['deny']);
  });

  it('lets deny override every other capability', async () => {
    const policy = await parsePolicy(
      'p',
      'path "x" {\n capabilities = ["read", "deny", "sudo"]\n}\npath "y" {\n capabilities = ["read"]\n policy = "deny"\n}',
    );
    assert.deepEqual(
      policy.paths.map((p) => p.capabilities),
      [['deny'], ['deny']],
    );
  });

  it('accepts an empty policy and a block without capabilities', async () => {
    assert.deepEqual((await parsePolicy('p', '# nothing\n')).paths, []);
    assert.deepEqual((await parsePolicy('p', 'path "x" {}')).paths[0]?.capabilities, []);
  });

  it('flags identity templates and renders them on demand', async () => {
    const text =
      'path "identity/entity/id/{{identity.entity.id}}" { capabilities = ["read"] }\npath "other" { capabilities = ["read"] }';
    const plain = await parsePolicy('p', text);
    assert.equal(plain.templated, true);
    assert.equal(plain.paths[0]?.path, 'identity/entity/id/{{identity.entity.id}}');
    const rendered = renderPolicy(plain, { entity: { id: 'e-1', name: 'bob' } });
    assert.equal(rendered.paths[0]?.path, 'identity/entity/id/e-1');
    const anonymous = renderPolicy(plain, undefined);
    assert.deepEqual(
      anonymous.paths.map((p) => p.path),
      ['other'],
      'a template with no value leaves its path out',
    );
    const wildcard = renderPolicy(plain, { entity: { id: '*', name: 'x' } });
    assert.deepEqual(
      wildcard.paths.map((p) => p.path),
      ['other'],
      'a value holding a wildcard is refused, never turned into a glob',
    );
    const segments = await parsePolicy(
      's',
      'path "kv/{{identity.entity.name}}/*" { capabilities = ["list"] }',
    );
    const mine = renderPolicy(segments, { entity: { id: 'e', name: 'bob' } }).paths[0];
    assert.deepEqual(
      [mine?.kind, mine?.path],
      ['prefix', 'kv/bob/'],
      'rendered patterns are classified again',
    );
    assert.equal(renderPolicy(segments, { entity: { id: 'e', name: 'bob+' } }).paths.length, 0);
  });
});

describe('parsePolicy: JSON and base64', () => {
  it('parses the JSON form, with a body or a list of bodies per pattern', async () => {
    const policy = await parsePolicy(
      'j',
      JSON.stringify({
        path: {
          'secret/*': { capabilities: ['read', 'list'] },
          'sys/mounts': [{ capabilities: ['read'], allowed_parameters: { Type: ['kv'] } }],
        },
      }),
    );
    assert.deepEqual(
      policy.paths.map((p) => [p.path, p.kind, p.capabilities]),
      [
        ['secret/', 'prefix', ['read', 'list']],
        ['sys/mounts', 'exact', ['read']],
      ],
    );
    assert.deepEqual(policy.paths[1]?.allowedParameters, { type: ['kv'] });
  });

  it('decodes a base64-encoded policy and keeps the decoded text as raw', async () => {
    const text = 'path "secret/*" {\n  capabilities = ["read"]\n}\n';
    const policy = await parsePolicy('b', Buffer.from(text).toString('base64'));
    assert.equal(policy.raw, text);
    assert.deepEqual(policy.paths[0]?.capabilities, ['read']);
  });

  it('leaves text alone unless it is valid base64 of valid UTF-8', () => {
    assert.equal(decodePolicyText('path "a" {}'), 'path "a" {}');
    assert.equal(decodePolicyText('abcd'), 'abcd', 'valid base64 of invalid UTF-8 stays as is');
    assert.equal(decodePolicyText(Buffer.from('{}').toString('base64')), '{}');
    assert.equal(decodePolicyText('e30=\n'), '{}', 'line breaks are ignored, as Go does');
  });

  it('reports a semantic error in JSON with the line of the pattern', async () => {
    const text =
      '{\n  "path": {\n    "a": {"capabilities": ["read"]},\n    "b/*": {\n      "capabilities": ["rd"]\n    }\n  }\n}';
    await rejects(text, /failed to parse policy "dev"/, /path "b\/\*", line 5: invalid capability "rd"/);
  });

  it('reports malformed JSON with its line', async () => {
    await rejects(
      '{\n  "path": {\n    "a": {"capabilities": ["read"]}\n    "b": {}\n  }\n}',
      /invalid JSON/,
      /line 4/,
    );
  });
});

describe('parsePolicy: rejected policies', () => {
  const multiBlock = `# team policy
path "secret/a/*" {
  capabilities = ["read", "list"]
}

path "secret/b/*" {
  capabilities = [
    "read",
    "reed",
  ]
}
`;

  it('names the pattern and the line of a malformed capability in a multi-block policy', async () => {
    const message = await rejects(
      multiBlock,
      /failed to parse policy "dev"/,
      /path "secret\/b\/\*", line 9/,
      /invalid capability "reed"/,
      /valid capabilities are create, read, update, patch, delete, list, sudo, deny/,
    );
    assert.doesNotMatch(message, /line 3/);
  });

  it('points at the second block when a pattern is repeated', async () => {
    await rejects(
      'path "x" {\n  capabilities = ["read"]\n}\npath "x" {\n  capabilities = ["bad"]\n}\n',
      /path "x", line 5: invalid capability "bad"/,
    );
  });

  it('rejects an unknown key inside a path block, with its line', async () => {
    await rejects(
      'path "a" {\n  capabilities = ["read"]\n}\npath "b" {\n  capabilities = ["read"]\n  capabilites = ["list"]\n}',
      /path "b", line 6: unknown key "capabilites"/,
    );
  });

  it('rejects an unknown top-level key, with its line', async () => {
    await rejects(
      'path "a" { capabilities = ["read"] }\n\npaths "b" { capabilities = ["read"] }',
      /line 3: unknown top-level key "paths"/,
    );
  });

  it('rejects Vault Enterprise keys rather than ignoring them', async () => {
    await rejects(
      'path "a" {\n  capabilities = ["read"]\n  mfa_methods = ["totp"]\n}',
      /path "a", line 3: "mfa_methods" is a Vault Enterprise feature/,
    );
  });

  it('rejects "*" anywhere but at the end, and "+*"', async () => {
    await rejects(
      'path "secret/*/x" { capabilities = ["read"] }',
      /path "secret\/\*\/x", line 1/,
      /only allowed as the last character/,
    );
    await rejects('path "secret/+*" { capabilities = ["read"] }', /'\+\*' is forbidden/);
  });

  it('rejects values of the wrong type', async () => {
    await rejects(
      'path "a" {\n  capabilities = "read"\n}',
      /path "a", line 2: capabilities must be a list of strings/,
    );
    await rejects('path "a" {\n  capabilities = [1]\n}', /capabilities must be a list of strings/);
    await rejects(
      'path "a" {\n  allowed_parameters = { ttl = "1h" }\n}',
      /line 2: allowed_parameters: the value for "ttl" must be a list/,
    );
    await rejects('path "a" {\n  denied_parameters = ["x"]\n}', /denied_parameters must be a map/);
    await rejects('path "a" {\n  required_parameters = "name"\n}', /required_parameters must be a list/);
    await rejects(
      'path "a" {\n  min_wrapping_ttl = "soon"\n}',
      /path "a", line 2: min_wrapping_ttl: invalid duration "soon"/,
    );
    await rejects(
      'path "a" {\n  policy = "admin"\n}',
      /path "a", line 2: invalid policy "admin"; use one of deny, read, write, sudo/,
    );
    await rejects('path = "a"', /"path" must be a block/);
  });

  it('rejects a max wrapping TTL below the min', async () => {
    await rejects(
      'path "a" {\n  min_wrapping_ttl = "10m"\n  max_wrapping_ttl = "1m"\n}',
      /max_wrapping_ttl cannot be less than min_wrapping_ttl/,
    );
  });

  it('reports HCL syntax errors with line and column', async () => {
    await rejects(
      'path "a" {\n  capabilities = ["read"]\n  capabilities = [\n}\n',
      /failed to parse policy "dev": line \d+: column \d+: /,
    );
    await rejects('path "a" {\n  capabilities = ["read"\n}\n', /line 3: column 1: Missing item separator/);
  });

  it('rejects unknown identity templates', async () => {
    await rejects(
      'path "x/{{identity.entity.foo}}" { capabilities = ["read"] }',
      /path "x\/\{\{identity.entity.foo\}\}", line 1: unknown template/,
    );
    await rejects('path "x/{{identity.entity.id" { capabilities = ["read"] }', /unbalanced/);
  });
});
