import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientToken, tokenWithPolicy } from '../../helpers/tresor-process.js';
import type { ApiResponse, TresorProcess } from '../../helpers/tresor-process.js';

/** What the fuzz knows about the server it set up: names to aim at, tokens, and every secret written. */
export interface FuzzFixture {
  readonly tokens: {
    readonly root: string;
    readonly limited: string;
    readonly userpass: string;
    readonly approle: string;
  };
  readonly users: { readonly name: string; readonly password: string };
  readonly approle: { readonly role: string; readonly roleId: string; readonly secretId: string };
  readonly appId: { readonly appId: string; readonly userId: string };
  readonly certName: string;
  readonly tokenRole: string;
  readonly policy: string;
  readonly kvKeys: readonly string[];
  /** Values that must never appear in the server's logs. */
  readonly secrets: string[];
}

function must(r: ApiResponse, what: string): ApiResponse {
  if (r.status >= 300) throw new Error(`fuzz setup, ${what}: ${r.status} ${r.text}`);
  return r;
}

/** A throwaway self-signed certificate (PEM) for the cert auth method. */
function selfSignedPem(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tresor-fuzz-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
        '-subj',
        '/CN=fuzz-client',
        '-days',
        '2',
      ],
      {
        stdio: 'ignore',
      },
    );
    return readFileSync(join(dir, 'c.pem'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Mounts every engine and auth method this build has and fills each with a little data. */
export async function setUpFuzzTarget(t: TresorProcess): Promise<FuzzFixture> {
  const secrets: string[] = [t.rootToken, t.unsealKey];
  const api = (m: string, p: string, b?: unknown): Promise<ApiResponse> =>
    t.api(m, p, b).then((r) => must(r, `${m} ${p}`));
  await api('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } });
  await api('POST', 'sys/mounts/kv1', { type: 'kv', options: { version: '1' } });
  for (const type of ['userpass', 'approle', 'app-id', 'cert', 'ldap'])
    await api('POST', `sys/auth/${type}`, { type });

  const kvKeys = ['app/db', 'app/api', 'team/a/b', 'x'];
  for (const [i, k] of kvKeys.entries()) {
    const v = `fuzz-kv-secret-${i}-q8Jw2`;
    secrets.push(v, `${v}-v1`);
    await api('POST', `secret/data/${k}`, { data: { password: v } });
    await api('POST', `kv1/${k}`, { password: `${v}-v1` });
  }
  await api('POST', 'cubbyhole/mine', { token: 'fuzz-cubby-secret-Zx81' });
  secrets.push('fuzz-cubby-secret-Zx81');

  const policy = 'fuzz-limited';
  const limited = await tokenWithPolicy(
    t,
    policy,
    'path "secret/data/app/*" { capabilities = ["read", "list"] }\npath "kv1/app/*" { capabilities = ["read", "create", "update"] }\npath "auth/token/create" { capabilities = ["update"] }',
  );
  const users = { name: 'fuzzuser', password: 'fuzz-user-password-Kd93' };
  await api('POST', `auth/userpass/users/${users.name}`, {
    password: users.password,
    token_policies: [policy],
  });
  const userpass = clientToken(
    await t.api('POST', `auth/userpass/login/${users.name}`, { password: users.password }, { token: '' }),
  );

  const role = 'fuzzrole';
  await api('POST', `auth/approle/role/${role}`, { token_policies: [policy], secret_id_num_uses: 0 });
  const roleId = ((await api('GET', `auth/approle/role/${role}/role-id`)).body.data as { role_id: string })
    .role_id;
  const secretId = (
    (await api('POST', `auth/approle/role/${role}/secret-id`, {})).body.data as { secret_id: string }
  ).secret_id;
  await api('POST', `auth/approle/role/${role}/custom-secret-id`, {
    secret_id: 'fuzz-custom-secret-id-Lm20',
  });
  const approle = clientToken(
    await t.api('POST', 'auth/approle/login', { role_id: roleId, secret_id: secretId }, { token: '' }),
  );

  const appId = { appId: 'fuzz-app', userId: 'fuzz-user-id-secret-Pq77' };
  await api('POST', `auth/app-id/map/app-id/${appId.appId}`, { value: policy, display_name: 'fuzz' });
  await api('POST', `auth/app-id/map/user-id/${appId.userId}`, { value: appId.appId });

  const certName = 'fuzzcert';
  await api('POST', `auth/cert/certs/${certName}`, {
    certificate: selfSignedPem(),
    token_policies: [policy],
  });
  await api('POST', 'auth/ldap/config', {
    url: 'ldap://127.0.0.1:1',
    binddn: 'cn=admin,dc=example,dc=org',
    bindpass: 'fuzz-ldap-bindpass-Vv55',
    userdn: 'ou=users,dc=example,dc=org',
    groupdn: 'ou=groups,dc=example,dc=org',
    request_timeout: '2s',
    connection_timeout: '1s',
  });
  await api('POST', 'auth/ldap/users/alice', { policies: [policy] });
  await api('POST', 'auth/ldap/groups/devs', { policies: [policy] });
  const tokenRole = 'fuzz-token-role';
  await api('POST', `auth/token/roles/${tokenRole}`, { allowed_policies: [policy], orphan: true });

  secrets.push(
    limited,
    userpass,
    approle,
    users.password,
    secretId,
    'fuzz-custom-secret-id-Lm20',
    appId.userId,
    'fuzz-ldap-bindpass-Vv55',
  );
  return {
    tokens: { root: t.rootToken, limited, userpass, approle },
    users,
    approle: { role, roleId, secretId },
    appId,
    certName,
    tokenRole,
    policy,
    kvKeys,
    secrets,
  };
}
