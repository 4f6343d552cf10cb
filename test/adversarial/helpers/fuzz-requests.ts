import type { FuzzFixture } from './fuzz-setup.js';
import type { Prng } from './prng.js';
import { FIELDS, METHODS, TEMPLATES } from './fuzz-corpus.js';

/** One generated request: everything needed to replay it by hand. */
export interface FuzzRequest {
  readonly index: number;
  readonly method: string;
  /** Raw request target, starting with /v1/ (or a mutation of it). */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Which token was sent, for the report (never the token itself). */
  readonly tokenKind: string;
}

/** Endpoints that would end the run (seal, step down, revoke the caller): only sent without a valid token. */
const DISRUPTIVE =
  /^(sys\/seal|sys\/step-down|auth\/token\/revoke-self|sys\/(leases\/)?revoke-(prefix|force))/;
/** The fixture's own mounts: not disabled by a DELETE with a valid token, so the run keeps its reach. */
const FIXTURE_MOUNT = /^sys\/(mounts|auth)\/(secret|kv1|cubbyhole|userpass|approle|app-id|cert|ldap)\/?$/;

/** Random requests over the fixture's server, all derived from `rng`. */
export class FuzzGenerator {
  private readonly names: Record<string, readonly string[]>;

  constructor(
    private readonly rng: Prng,
    private readonly fx: FuzzFixture,
  ) {
    const weird = [
      '',
      '..',
      '.',
      '%2e%2e',
      'a%2Fb',
      '%00',
      'ä',
      '%E2%80%AE',
      '%ff',
      'A'.repeat(300),
      '*',
      '+',
      '{}',
      'a%20b',
      'a//b',
    ];
    this.names = {
      mount: ['secret', 'kv1', 'cubbyhole', 'sys', 'fz-mount', ...weird],
      auth: ['userpass', 'approle', 'app-id', 'cert', 'ldap', 'token', 'fz-auth', ...weird],
      policy: [fx.policy, 'default', 'root', 'response-wrapping', 'fz-policy', ...weird],
      prefix: ['auth/', 'auth/token/', 'auth/userpass/', 'secret/', 'fz/', ...weird],
      tokenrole: [fx.tokenRole, 'fz-role', ...weird],
      kv: [...fx.kvKeys, 'app/', 'team/', 'fz/new', 'fz/', ...weird],
      user: [fx.users.name, 'alice', 'ALICE', 'alice%20%20', 'fz-user', ...weird],
      role: [fx.approle.role, 'fz-approle', ...weird],
      cert: [fx.certName, 'fz-cert', ...weird],
      name: ['mine', 'response', fx.appId.appId, 'fz-name', ...weird],
    };
  }

  /** Request number `index`. */
  next(index: number): FuzzRequest {
    const r = this.rng;
    const template = r.pick(TEMPLATES);
    let path = template.replace(/\{(\w+)\}/g, (_, k: string) => r.pick(this.names[k] ?? ['x']));
    const method = r.chance(0.02) ? r.pick(['FOO', 'PROPFIND', 'TRACE', 'list']) : r.pick(METHODS);
    const disruptive = DISRUPTIVE.test(path) || (method === 'DELETE' && FIXTURE_MOUNT.test(path));
    const tokenKind = disruptive
      ? r.pick(['garbage', 'empty'])
      : r.pick(['root', 'root', 'root', 'limited', 'userpass', 'approle', 'garbage', 'empty']);
    if (r.chance(0.25)) path = this.mutatePath(path);
    const headers: Record<string, string> = {};
    const token = this.token(tokenKind);
    if (token !== undefined) headers['X-Vault-Token'] = token;
    if (r.chance(0.08))
      headers['X-Vault-Wrap-TTL'] = r.pick([
        '60',
        '5m',
        '0',
        '-1',
        '1e26',
        'abc',
        '99999999999999999999',
        '768h',
        '1.5',
      ]);
    if (r.chance(0.05)) headers['X-Forwarded-For'] = r.pick(['10.0.0.1', 'garbage', '::1, 1.2.3.4']);
    if (r.chance(0.03)) headers['X-Vault-Namespace'] = r.pick(['ns1/', '', '../']);
    if (r.chance(0.05)) headers['X-Vault-Request'] = 'true';
    const body =
      method === 'GET' || method === 'HEAD' || method === 'LIST'
        ? r.chance(0.1)
          ? this.body(path, headers)
          : undefined
        : this.body(path, headers);
    return {
      index,
      method,
      path: `/v1/${path}`,
      headers,
      ...(body === undefined ? {} : { body }),
      tokenKind,
    };
  }

  private token(kind: string): string | undefined {
    switch (kind) {
      case 'root':
        return this.fx.tokens.root;
      case 'limited':
        return this.fx.tokens.limited;
      case 'userpass':
        return this.fx.tokens.userpass;
      case 'approle':
        return this.fx.tokens.approle;
      case 'garbage':
        return this.rng.pick([
          's.' + this.rng.string(24),
          'hvs.' + this.rng.string(90),
          this.rng.string(3),
          'root',
          '..',
          '%00',
          'a'.repeat(5000),
        ]);
      default:
        return this.rng.chance(0.5) ? '' : undefined;
    }
  }

  private mutatePath(path: string): string {
    const r = this.rng;
    switch (r.int(0, 9)) {
      case 0:
        return path.replace('/', '//');
      case 1:
        return `${path}/`;
      case 2:
        return `${path}/%2e%2e/${r.pick(['sys/mounts', 'secret/data/x', '..'])}`;
      case 3:
        return path.toUpperCase();
      case 4:
        return `${path}?${r.pick(['list=true', 'list=false', 'version=abc', 'version=-1', 'version=99999999999999999999', 'standbyok=true', 'a=%zz', 'list=true&list=false', 'help=1', 'warnings=1'])}`;
      case 5:
        return path.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`);
      case 6:
        return `${path}%00${r.string(3)}`;
      case 7:
        return path.slice(0, r.int(0, path.length));
      case 8:
        return `${path}/${r.string(r.int(1, 12), 'abc/%.-_~09ÿ')}`.replace(/ÿ/g, '%C3%BF');
      default:
        return `${path}${'/x'.repeat(r.int(1, 200))}`;
    }
  }

  /** A body: mostly JSON objects of random shapes, sometimes broken JSON or a form. */
  private body(path: string, headers: Record<string, string>): string | undefined {
    const r = this.rng;
    const roll = r.next();
    if (roll < 0.05) return undefined;
    if (roll < 0.12) {
      headers['Content-Type'] = r.pick([
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'text/plain',
      ]);
      return r.pick([
        'a=b&c=d',
        'data[x]=1',
        '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
        '=&=&',
        'password=%ff',
      ]);
    }
    if (roll < 0.25) return this.brokenJson();
    if (roll < 0.3) {
      const depth = r.pick([50, 1_000, 20_000]);
      return r.chance(0.5)
        ? `{"data":${'['.repeat(depth)}${']'.repeat(depth)}}`
        : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    }
    if (r.chance(0.2))
      headers['Content-Type'] = r.pick([
        'application/json',
        'application/merge-patch+json',
        'application/json; charset=latin1',
      ]);
    return JSON.stringify(this.knownShape(path) ?? this.object(3));
  }

  private brokenJson(): string {
    const r = this.rng;
    return r.pick([
      '{',
      '{"a":}',
      '{"a":1,}',
      '[1,2',
      'nul',
      'NaN',
      '{"a":NaN}',
      '\uFEFF{"a":1}',
      '{"a":1}{"b":2}',
      '"just a string"',
      '123',
      'true',
      'null',
      '[]',
      '{"__proto__":{"polluted":1}}',
      '{"constructor":{"prototype":{"x":1}}}',
      '{"a":"\\ud800"}',
      `{"a":${'9'.repeat(400)}}`,
      '{"a":1e999}',
      '{"a":-0}',
      '{"a":"\u0000"}',
      '{"data":{"a":1},"data":{"b":2}}',
    ]);
  }

  /** The body a known endpoint expects, with some fields replaced by wrong types. */
  private knownShape(path: string): Record<string, unknown> | undefined {
    const r = this.rng;
    const fx = this.fx;
    let shape: Record<string, unknown> | undefined;
    if (path.includes('login')) {
      shape = path.includes('approle')
        ? { role_id: fx.approle.roleId, secret_id: r.chance(0.3) ? fx.approle.secretId : r.string(36) }
        : path.includes('app-id')
          ? { app_id: fx.appId.appId, user_id: r.chance(0.3) ? fx.appId.userId : r.string(10) }
          : { password: r.chance(0.3) ? fx.users.password : r.string(12) };
    } else if (path.startsWith('secret/data'))
      shape = { data: this.object(2), options: { cas: r.int(-1, 3) } };
    else if (path.startsWith('sys/mounts/'))
      shape = {
        type: r.pick(['kv', 'cubbyhole', 'nope', 'system']),
        options: { version: r.pick(['1', '2', '3', 'x']) },
      };
    else if (path.startsWith('sys/auth/')) shape = { type: r.pick(['userpass', 'approle', 'token', 'nope']) };
    else if (path.includes('policies/acl') || path.includes('sys/policy'))
      shape = {
        policy: r.pick([
          'path "x/*" { capabilities = ["read"] }',
          'path "*" { capabilities = ["sudo","root"] }',
          'garbage {',
          '',
        ]),
      };
    else if (path.includes('token/create'))
      shape = {
        policies: r.pick([['default'], [fx.policy], ['root'], ['response-wrapping'], 'default', 5]),
        ttl: r.pick(['1h', -1, '99999999h', 'x', 1e308]),
      };
    else if (path.includes('wrapping/')) shape = { token: r.string(26) };
    if (shape === undefined || r.chance(0.4)) return shape;
    for (const k of Object.keys(shape)) if (r.chance(0.4)) shape[k] = this.value(2);
    return shape;
  }

  private object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const n = this.rng.int(0, 5);
    for (let i = 0; i < n; i++)
      out[this.rng.chance(0.7) ? this.rng.pick(FIELDS) : this.rng.string(this.rng.int(0, 8))] = this.value(
        depth - 1,
      );
    return out;
  }

  private value(depth: number): unknown {
    const r = this.rng;
    switch (r.int(depth <= 0 ? 0 : 0, depth <= 0 ? 6 : 9)) {
      case 0:
        return r.string(r.int(0, 20));
      case 1:
        return r.pick([
          0,
          1,
          -1,
          1.5,
          2 ** 53 + 1,
          1e308,
          -1e308,
          Number.MAX_SAFE_INTEGER,
          4_294_967_296,
          1e21,
        ]);
      case 2:
        return r.chance(0.5);
      case 3:
        return null;
      case 4:
        return r.pick([
          '1h',
          '-5s',
          '0',
          '99999999999999999999h',
          '1e9',
          'P1D',
          '768h',
          '10.5m',
          'default,root',
          '127.0.0.1/32',
          '::/0',
          'ä',
        ]);
      case 5:
        return 'x'.repeat(r.pick([1_000, 70_000]));
      case 6:
        return [];
      case 7:
        return Array.from({ length: r.int(0, 4) }, () => this.value(depth - 1));
      default:
        return this.object(depth - 1);
    }
  }
}
