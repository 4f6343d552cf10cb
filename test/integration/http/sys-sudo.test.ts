import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../../helpers/in-process-server.js';
import type { TestServer } from '../../helpers/in-process-server.js';

/** sys/seal, sys/rotate, sys/key-status are policy-driven: sudo where Vault needs it, not only root. */
describe('sudo-protected sys operations follow policies', () => {
  let srv: TestServer;
  const tokenWith = async (name: string, policy: string): Promise<string> => {
    assert.equal((await srv.api('PUT', `sys/policies/acl/${name}`, { policy })).status, 204);
    const t = await srv.api('POST', 'auth/token/create', { policies: [name] });
    return (t.body.auth as { client_token: string }).client_token;
  };
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv.stop();
  });

  it('rotates and reads key status with the right capabilities, sudo included for rotate', async () => {
    const noSudo = await tokenWith('rotate-nosudo', 'path "sys/rotate" { capabilities = ["update"] }');
    assert.equal((await srv.api('PUT', 'sys/rotate', undefined, noSudo)).status, 403);
    const sudo = await tokenWith(
      'rotate-sudo',
      'path "sys/rotate" { capabilities = ["update", "sudo"] }\npath "sys/key-status" { capabilities = ["read"] }',
    );
    assert.equal((await srv.api('PUT', 'sys/rotate', undefined, sudo)).status, 204);
    const status = await srv.api('GET', 'sys/key-status', undefined, sudo);
    assert.equal(status.status, 200);
    assert.equal((status.body.data as { term: number }).term, 2);
    assert.equal((await srv.api('GET', 'sys/key-status', undefined, noSudo)).status, 403);
  });

  it('seals with update+sudo on sys/seal, not without sudo', async () => {
    const noSudo = await tokenWith('seal-nosudo', 'path "sys/seal" { capabilities = ["update"] }');
    assert.equal((await srv.api('PUT', 'sys/seal', undefined, noSudo)).status, 403);
    assert.equal((await srv.api('GET', 'sys/health')).status, 200);
    const sudo = await tokenWith('seal-sudo', 'path "sys/seal" { capabilities = ["update", "sudo"] }');
    assert.equal((await srv.api('PUT', 'sys/seal', undefined, sudo)).status, 204);
    assert.equal((await srv.api('GET', 'sys/health')).status, 503);
  });
});
