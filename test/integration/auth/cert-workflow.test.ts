/**
 * The certificate workflow over a real TLS listener: a CA and client certificates made with
 * openssl, cert auth bound to a policy, a client logging in with its certificate over HTTPS and
 * reading exactly what its policy allows; then revocation through a CRL, a foreign CA, an expired
 * certificate, a chain through an intermediate, and a pinned (non-CA) certificate.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestPki, toOpensslDate } from '../../helpers/openssl-pki.js';
import type { Ca, Issued } from '../../helpers/openssl-pki.js';
import { startTlsServer } from '../../helpers/tls-server.js';
import type { ClientIdentity, TlsTestServer } from '../../helpers/tls-server.js';

const errorsOf = (body: Record<string, unknown>): string =>
  (body.errors as string[] | undefined)?.join('; ') ?? '';
const identity = (c: Issued, chain: readonly Issued[] = []): ClientIdentity => ({
  cert: [c.certPem, ...chain.map((x) => x.certPem)].join(''),
  key: c.keyPem,
});
const serialOf = async (pki: TestPki, c: Issued): Promise<string> =>
  BigInt(
    `0x${(await pki.openssl(['x509', '-in', c.certFile, '-noout', '-serial'])).trim().split('=')[1] ?? '0'}`,
  ).toString(10);

describe('cert auth workflow over TLS', () => {
  let pki: TestPki;
  let srv: TlsTestServer;
  let clientCa: Ca;
  let app: Issued;
  let app2: Issued;
  let rogue: Issued;

  before(async () => {
    pki = await TestPki.create();
    const serverCa = await pki.createCa('server-ca');
    const serverCert = await pki.issue(serverCa, 'server', {
      cn: 'localhost',
      dns: ['localhost'],
      ips: ['127.0.0.1'],
      eku: ['serverAuth'],
    });
    clientCa = await pki.createCa('client-ca');
    app = await pki.issue(clientCa, 'app', {
      cn: 'app.tresor.test',
      dns: ['app.tresor.test'],
      ous: ['payments'],
    });
    app2 = await pki.issue(clientCa, 'app2', { cn: 'app.tresor.test', ous: ['payments'] });
    const otherCa = await pki.createCa('other-ca');
    rogue = await pki.issue(otherCa, 'rogue', { cn: 'app.tresor.test', ous: ['payments'] });
    srv = await startTlsServer({
      certFile: serverCert.certFile,
      keyFile: serverCert.keyFile,
      serverCaPem: serverCa.certPem,
    });

    assert.equal((await srv.api('POST', 'sys/auth/cert', { type: 'cert' })).status, 204);
    assert.equal(
      (await srv.api('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } })).status,
      204,
    );
    assert.equal(
      (await srv.api('POST', 'secret/data/proj', { data: { db_password: 'proj-pass' } })).status,
      200,
    );
    assert.equal(
      (await srv.api('POST', 'secret/data/other', { data: { token: 'other-secret' } })).status,
      200,
    );
    const policy = 'path "secret/data/proj" {\n  capabilities = ["read"]\n}\n';
    assert.equal((await srv.api('PUT', 'sys/policies/acl/proj-read', { policy })).status, 204);
    const role = await srv.api('POST', 'auth/cert/certs/app', {
      certificate: clientCa.certPem,
      token_policies: 'proj-read',
      allowed_common_names: 'app.*',
      allowed_organizational_units: 'pay*',
      token_ttl: '1h',
    });
    assert.equal(role.status, 204, role.text);
  });

  after(async () => {
    await srv.stop();
    await pki.cleanup();
  });

  it('logs in with the client certificate and gets a token limited to the policy', async () => {
    const login = await srv.api('POST', 'auth/cert/login', { name: 'app' }, '', identity(app));
    assert.equal(login.status, 200, login.text);
    const auth = login.body.auth as Record<string, unknown>;
    assert.deepEqual(auth.policies, ['default', 'proj-read']);
    assert.equal(auth.lease_duration, 3600);
    const metadata = auth.metadata as Record<string, string>;
    assert.equal(metadata.cert_name, 'app');
    assert.equal(metadata.common_name, 'app.tresor.test');
    assert.equal(metadata.serial_number, await serialOf(pki, app));
    assert.match(metadata.subject_key_id ?? '', /^([0-9a-f]{2}:)+[0-9a-f]{2}$/);
    assert.match(metadata.authority_key_id ?? '', /^([0-9a-f]{2}:)+[0-9a-f]{2}$/);
    const token = auth.client_token as string;

    const read = await srv.api('GET', 'secret/data/proj', undefined, token);
    assert.equal(read.status, 200, read.text);
    assert.deepEqual((read.body.data as Record<string, unknown>).data, { db_password: 'proj-pass' });
    assert.equal((await srv.api('GET', 'secret/data/other', undefined, token)).status, 403);
    assert.equal((await srv.api('POST', 'secret/data/proj', { data: { x: 1 } }, token)).status, 403);
    const self = await srv.api('GET', 'auth/token/lookup-self', undefined, token);
    assert.equal((self.body.data as Record<string, unknown>).display_name, 'cert-app');
  });

  it('finds the role by itself when no name is given', async () => {
    const login = await srv.api('POST', 'auth/cert/login', {}, '', identity(app2));
    assert.equal(login.status, 200, login.text);
    assert.equal(
      ((login.body.auth as Record<string, unknown>).metadata as Record<string, string>).cert_name,
      'app',
    );
  });

  it('refuses a login without a client certificate', async () => {
    const login = await srv.api('POST', 'auth/cert/login', { name: 'app' }, '');
    assert.equal(login.status, 400);
    assert.equal(errorsOf(login.body), 'client certificate must be supplied');
  });

  it('refuses a certificate from another CA', async () => {
    const login = await srv.api('POST', 'auth/cert/login', { name: 'app' }, '', identity(rogue));
    assert.equal(login.status, 400);
    assert.equal(errorsOf(login.body), 'invalid certificate or no client certificate supplied');
    assert.equal((await srv.api('POST', 'auth/cert/login', {}, '', identity(rogue))).status, 400);
  });

  it('refuses an expired certificate', async () => {
    const day = 86_400_000;
    const expired = await pki.issue(clientCa, 'expired', {
      cn: 'app.tresor.test',
      ous: ['payments'],
      startDate: toOpensslDate(new Date(Date.now() - 10 * day)),
      endDate: toOpensslDate(new Date(Date.now() - day)),
    });
    const login = await srv.api('POST', 'auth/cert/login', { name: 'app' }, '', identity(expired));
    assert.equal(login.status, 400);
    assert.match(errorsOf(login.body), /expired or is not yet valid/);
  });

  it('refuses a certificate that breaks a name constraint', async () => {
    const other = await pki.issue(clientCa, 'wrong-ou', { cn: 'app.tresor.test', ous: ['marketing'] });
    const login = await srv.api('POST', 'auth/cert/login', { name: 'app' }, '', identity(other));
    assert.equal(login.status, 400);
    assert.equal(
      errorsOf(login.body),
      'no chain matching all constraints could be found for this login certificate',
    );
  });

  it('accepts a chain through an intermediate presented by the client', async () => {
    const root = await pki.createCa('chain-root');
    const inter = await pki.createCa('chain-inter', root);
    const leaf = await pki.issue(inter, 'chained', { cn: 'batch.tresor.test' });
    assert.equal(
      (await srv.api('POST', 'auth/cert/certs/chain', { certificate: root.certPem, policies: 'proj-read' }))
        .status,
      204,
    );
    const login = await srv.api('POST', 'auth/cert/login', { name: 'chain' }, '', identity(leaf, [inter]));
    assert.equal(login.status, 200, login.text);
    // without the intermediate the chain cannot be built
    assert.equal(
      (await srv.api('POST', 'auth/cert/login', { name: 'chain' }, '', identity(leaf))).status,
      400,
    );
  });

  it('accepts a pinned non-CA certificate', async () => {
    const pinned = await pki.issue(clientCa, 'pinned', { cn: 'pinned.tresor.test' });
    const role = await srv.api('POST', 'auth/cert/certs/pinned', {
      certificate: pinned.certPem,
      token_policies: 'proj-read',
    });
    assert.equal(role.status, 204, role.text);
    const login = await srv.api('POST', 'auth/cert/login', { name: 'pinned' }, '', identity(pinned));
    assert.equal(login.status, 200, login.text);
    // a sibling from the same CA is not the pinned certificate
    assert.equal(
      (await srv.api('POST', 'auth/cert/login', { name: 'pinned' }, '', identity(app))).status,
      400,
    );
  });

  it('refuses a revoked certificate once its CRL is posted, and only that one', async () => {
    await pki.revoke(clientCa, app);
    const crl = await pki.crl(clientCa);
    assert.equal((await srv.api('POST', 'auth/cert/crls/client-ca', { crl })).status, 204);
    const stored = await srv.api('GET', 'auth/cert/crls/client-ca');
    assert.equal(stored.status, 200);
    assert.deepEqual(Object.keys((stored.body.data as { serials: Record<string, unknown> }).serials), [
      await serialOf(pki, app),
    ]);

    const login = await srv.api('POST', 'auth/cert/login', { name: 'app' }, '', identity(app));
    assert.equal(login.status, 400);
    assert.equal(
      errorsOf(login.body),
      'no chain matching all constraints could be found for this login certificate',
    );
    assert.equal((await srv.api('POST', 'auth/cert/login', {}, '', identity(app))).status, 400);
    assert.equal((await srv.api('POST', 'auth/cert/login', { name: 'app' }, '', identity(app2))).status, 200);

    assert.equal((await srv.api('DELETE', 'auth/cert/crls/client-ca')).status, 204);
    assert.equal((await srv.api('POST', 'auth/cert/login', { name: 'app' }, '', identity(app))).status, 200);
  });
});
