import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { certFactory } from '../../../../src/builtin/credential/cert/index.js';
import { parseCertificate } from '../../../../src/builtin/credential/cert/certificate-info.js';
import type { LogicalBackend, LogicalRequest, Operation } from '../../../../src/logical/types.js';
import { VaultError } from '../../../../src/helper/errors.js';
import { backendConfig, request } from '../../../helpers/engine-request.js';
import { MemoryStorage } from '../../../helpers/memory-storage.js';
import { TestPki, toOpensslDate } from '../../../helpers/openssl-pki.js';
import type { Ca, Issued } from '../../../helpers/openssl-pki.js';

const DAY = 86_400_000;

describe('cert auth backend', () => {
  let pki: TestPki;
  let ca: Ca;
  let client: Issued;
  let storage: MemoryStorage;
  let backend: LogicalBackend;

  const call = async (
    operation: Operation,
    path: string,
    data: Record<string, unknown> = {},
    certs?: Buffer[],
    remote?: string,
  ) => {
    const req: LogicalRequest = {
      ...request({ operation, path, storage, data, mountPoint: 'auth/cert/' }),
      ...(certs === undefined ? {} : { connection: { peerCertificates: certs } }),
      ...(remote === undefined ? {} : { remoteAddress: remote }),
    };
    return backend.handleRequest(req);
  };
  const rejects = async (p: Promise<unknown>, status: number, message: string | RegExp): Promise<void> => {
    await assert.rejects(p, (err: unknown) => {
      assert.ok(err instanceof VaultError);
      assert.equal(err.status, status);
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    });
  };

  before(async () => {
    pki = await TestPki.create();
    ca = await pki.createCa('b-ca');
    client = await pki.issue(ca, 'b-client', {
      cn: 'web.tresor.test',
      ous: ['web'],
      dns: ['web.tresor.test'],
      emails: ['web@tresor.test'],
      uris: ['spiffe://tresor/web'],
      extraExtensions: ['1.2.3.4.5=ASN1:UTF8String:team-blue'],
    });
    storage = new MemoryStorage();
    backend = await certFactory(backendConfig(storage));
  });
  after(async () => {
    await pki.cleanup();
  });

  it('serves login without a token', () => {
    assert.deepEqual(backend.specialPaths?.unauthenticated, ['login']);
  });

  it('writes, reads, lists and deletes certs roles', async () => {
    const res = await call('update', 'certs/Web', {
      certificate: ca.certPem,
      policies: 'b,a',
      allowed_common_names: ['web.*'],
      ttl: '1h',
    });
    assert.equal(res, undefined);
    const read = await call('read', 'certs/web');
    const data = read?.data ?? {};
    assert.equal(data.certificate, ca.certPem);
    assert.equal(data.display_name, 'web');
    assert.deepEqual(data.token_policies, ['a', 'b']);
    assert.equal(data.token_ttl, 3600);
    assert.deepEqual(data.allowed_common_names, ['web.*']);
    assert.deepEqual((await call('list', 'certs/'))?.data, { keys: ['web'] });
    await call('delete', 'certs/web');
    assert.equal(await call('read', 'certs/web'), undefined);
    assert.equal(await call('list', 'certs/'), undefined);
  });

  it('warns when the TTL exceeds the mount default', async () => {
    const res = await call('update', 'certs/long', { certificate: ca.certPem, token_ttl: '10000h' });
    assert.match(
      res?.warnings?.[0] ?? '',
      /Given ttl of 36000000 seconds is greater than current mount\/system default/,
    );
  });

  it('validates certs roles', async () => {
    await rejects(call('update', 'certs/bad', { certificate: 'nope' }), 400, 'failed to parse certificate');
    await rejects(call('update', 'certs/none', {}), 400, 'failed to parse certificate');
    const server = await pki.issue(ca, 'b-server', { cn: 'srv', eku: ['serverAuth'] });
    await rejects(
      call('update', 'certs/srv', { certificate: server.certPem }),
      400,
      'nonCA certificates should have TLS client authentication set as an extended key usage',
    );
    await rejects(
      call('update', 'certs/ext', { certificate: ca.certPem, required_extensions: 'novalue' }),
      400,
      /must have the form/,
    );
    await rejects(
      call('update', 'certs/ttl', { certificate: ca.certPem, token_ttl: 60, token_max_ttl: 30 }),
      400,
      /'token_ttl' cannot be greater/,
    );
    await rejects(call('update', 'certs/ocsp', { certificate: ca.certPem, ocsp_enabled: true }), 400, /OCSP/);
    await rejects(
      call('update', 'certs/cidr', { certificate: ca.certPem, token_bound_cidrs: 'not-an-ip' }),
      400,
      /token_bound_cidrs/,
    );
  });

  it('logs in with Vault metadata and display name', async () => {
    await call('update', 'certs/web', {
      certificate: ca.certPem,
      token_policies: 'web',
      allowed_common_names: 'web.*',
      allowed_dns_sans: '*.tresor.test',
      allowed_email_sans: 'web@*',
      allowed_uri_sans: 'spiffe://tresor/*',
      allowed_organizational_units: 'web',
      required_extensions: '1.2.3.4.5:team-*',
      allowed_metadata_extensions: '1.2.3.4.5,9.9.9',
      display_name: 'frontend',
    });
    const auth = (await call('update', 'login', { name: 'web' }, [client.der]))?.auth;
    assert.ok(auth);
    const c = parseCertificate(client.der);
    assert.deepEqual(auth.policies, ['web']);
    assert.equal(auth.displayName, 'cert-frontend');
    assert.deepEqual(auth.metadata, {
      cert_name: 'web',
      common_name: 'web.tresor.test',
      serial_number: c.serial.toString(10),
      subject_key_id: [...c.subjectKeyId].map((b) => b.toString(16).padStart(2, '0')).join(':'),
      authority_key_id: [...c.authorityKeyId].map((b) => b.toString(16).padStart(2, '0')).join(':'),
      '1-2-3-4-5': 'team-blue',
    });
    // without a name, the first matching role in name order wins ("long" trusts the same CA)
    assert.equal((await call('update', 'login', {}, [client.der]))?.auth?.metadata?.cert_name, 'long');
  });

  it('refuses each broken constraint', async () => {
    const constraints: Record<string, string> = {
      allowed_common_names: 'api.*',
      allowed_dns_sans: '*.example.com',
      allowed_email_sans: 'api@*',
      allowed_uri_sans: 'spiffe://other/*',
      allowed_organizational_units: 'ops',
      required_extensions: '1.2.3.4.5:team-red',
      allowed_names: 'nothing*',
    };
    for (const [field, value] of Object.entries(constraints)) {
      await call('update', 'certs/strict', { certificate: ca.certPem, [field]: value });
      await rejects(
        call('update', 'login', { name: 'strict' }, [client.der]),
        400,
        'no chain matching all constraints could be found for this login certificate',
      );
      await call('delete', 'certs/strict');
    }
  });

  it('answers login failures with Vault messages', async () => {
    await rejects(call('update', 'login', {}), 400, 'client certificate must be supplied');
    await rejects(call('update', 'login', {}, []), 400, 'client certificate must be supplied');
    await rejects(
      call('update', 'login', {}, [Buffer.from('junk')]),
      400,
      'failed to parse the client certificate',
    );
    await rejects(
      call('update', 'login', { name: 'missing' }, [client.der]),
      400,
      'invalid certificate or no client certificate supplied',
    );
    const future = await pki.issue(ca, 'b-future', {
      cn: 'web.tresor.test',
      startDate: toOpensslDate(new Date(Date.now() + DAY)),
      endDate: toOpensslDate(new Date(Date.now() + 2 * DAY)),
    });
    await rejects(
      call('update', 'login', { name: 'web' }, [future.der]),
      400,
      /certificate has expired or is not yet valid/,
    );
    const server = await pki.issue(ca, 'b-server2', { cn: 'web.tresor.test', eku: ['serverAuth'] });
    await rejects(call('update', 'login', { name: 'web' }, [server.der]), 400, /incompatible key usage/);
  });

  it('enforces token_bound_cidrs at login', async () => {
    await call('update', 'certs/bound', { certificate: ca.certPem, token_bound_cidrs: '10.0.0.0/8' });
    await rejects(
      call('update', 'login', { name: 'bound' }, [client.der], '127.0.0.1'),
      403,
      /permission denied/,
    );
    const ok = await call('update', 'login', { name: 'bound' }, [client.der], '10.1.2.3');
    assert.deepEqual(ok?.auth?.boundCidrs, ['10.0.0.0/8']);
  });

  it('manages CRLs and applies them at once', async () => {
    const victim = await pki.issue(ca, 'b-victim', { cn: 'web.tresor.test', ous: ['web'] });
    await call('update', 'certs/plain', { certificate: ca.certPem });
    assert.ok((await call('update', 'login', { name: 'plain' }, [victim.der]))?.auth);
    await pki.revoke(ca, victim);
    await call('update', 'crls/B-CA', { crl: await pki.crl(ca) });
    const read = await call('read', 'crls/b-ca');
    assert.deepEqual(read?.data, {
      cdp: null,
      serials: { [parseCertificate(victim.der).serial.toString(10)]: {} },
    });
    assert.deepEqual((await call('list', 'crls/'))?.data, { keys: ['b-ca'] });
    await rejects(
      call('update', 'login', { name: 'plain' }, [victim.der]),
      400,
      /no chain matching all constraints/,
    );
    assert.ok((await call('update', 'login', { name: 'plain' }, [client.der]))?.auth);
    await call('delete', 'crls/b-ca');
    assert.ok((await call('update', 'login', { name: 'plain' }, [victim.der]))?.auth);
  });

  it('validates CRL requests', async () => {
    await rejects(call('update', 'crls/x', { crl: 'not a crl' }), 400, /^failed to parse CRL: /);
    await rejects(call('update', 'crls/x', {}), 400, "one of 'crl' or 'url' must be provided");
    await rejects(call('update', 'crls/x', { url: 'http://example.com/crl' }), 400, /not supported/);
    await rejects(call('read', 'crls/nothing'), 400, 'no such CRL nothing');
    await rejects(call('delete', 'crls/nothing'), 400, 'no such CRL nothing');
  });

  it('stores and returns config', async () => {
    assert.deepEqual((await call('read', 'config'))?.data, {
      disable_binding: false,
      enable_identity_alias_metadata: false,
      enable_metadata_on_failures: false,
      ocsp_cache_size: 100,
      role_cache_size: 200,
    });
    await call('update', 'config', { disable_binding: true, enable_identity_alias_metadata: 'true' });
    const data = (await call('read', 'config'))?.data ?? {};
    assert.equal(data.disable_binding, true);
    assert.equal(data.enable_identity_alias_metadata, true);
    await rejects(call('update', 'config', { ocsp_cache_size: 1 }), 400, /ocsp cache size/);
    await rejects(call('update', 'config', { role_cache_size: 0 }), 400, /role cache size/);
  });
});
