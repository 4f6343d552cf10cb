import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTresor, clientToken } from '../../helpers/tresor-process.js';
import type { TresorProcess } from '../../helpers/tresor-process.js';
import { vaultApi } from '../../helpers/vault-api.js';

/** One request from a chosen loopback source address (the token's bound CIDRs see that address). */
async function fromAddress(
  port: number,
  localAddress: string,
  method: string,
  path: string,
  token: string,
): Promise<number> {
  return (await vaultApi(`http://127.0.0.1:${port}`, method, path, undefined, { token, localAddress }))
    .status;
}

/**
 * sys/seal, sys/rotate, sys/key-status and sys/step-down are answered outside the logical pipeline
 * but pass the same token check: a limited-use token is counted (and revoked when spent), and a
 * token bound to CIDRs is refused from elsewhere.
 */
describe('sys endpoints outside the pipeline use the pipeline token check', () => {
  let srv: TresorProcess;
  const SUDO = [
    'path "sys/rotate" { capabilities = ["update", "sudo"] }',
    'path "sys/key-status" { capabilities = ["read"] }',
    'path "sys/seal" { capabilities = ["update", "sudo"] }',
    'path "sys/step-down" { capabilities = ["update", "sudo"] }',
  ].join('\n');
  before(async () => {
    srv = await startTresor();
    assert.equal((await srv.api('PUT', 'sys/policies/acl/operator', { policy: SUDO })).status, 204);
  });
  after(async () => {
    await srv.stop();
  });

  const limited = async (uses: number): Promise<string> => {
    const r = await srv.api('POST', 'auth/token/create', { policies: ['operator'], num_uses: uses });
    assert.equal(r.status, 200, r.text);
    return clientToken(r);
  };

  it('counts uses of a limited-use token on sys/rotate and sys/key-status, and revokes it when spent', async () => {
    const token = await limited(2);
    assert.equal((await srv.api('PUT', 'sys/rotate', undefined, { token })).status, 204);
    assert.equal((await srv.api('GET', 'sys/key-status', undefined, { token })).status, 200);
    const third = await srv.api('GET', 'sys/key-status', undefined, { token });
    assert.equal(third.status, 403, 'the third use of a two-use token is refused');
    assert.match(third.text, /invalid token/);
    const lookup = await srv.api('POST', 'auth/token/lookup', { token });
    assert.equal(lookup.status, 403, 'the spent token is gone');
  });

  it('a one-use token seals once, and cannot be used again after the unseal', async () => {
    const token = await limited(1);
    assert.equal((await srv.api('PUT', 'sys/seal', undefined, { token })).status, 204);
    assert.equal((await srv.api('GET', 'sys/health')).status, 503);
    assert.equal((await srv.api('PUT', 'sys/unseal', { key: srv.unsealKey }, { token: '' })).status, 200);
    for (let i = 0; i < 100 && (await srv.api('GET', 'sys/health')).status !== 200; i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.equal(
      (await srv.api('PUT', 'sys/seal', undefined, { token })).status,
      403,
      'the spent token was revoked before the seal',
    );
    assert.equal((await srv.api('GET', 'sys/health')).status, 200);
  });

  it('refuses a CIDR-bound token from outside its CIDRs on every sys endpoint outside the pipeline', async () => {
    assert.equal((await srv.api('POST', 'sys/auth/userpass', { type: 'userpass' })).status, 204);
    const user = await srv.api('POST', 'auth/userpass/users/ops', {
      password: 'ops-password-1',
      token_policies: ['operator'],
      token_bound_cidrs: ['127.0.0.1/32'],
    });
    assert.equal(user.status, 204, user.text);
    const token = clientToken(
      await srv.api('POST', 'auth/userpass/login/ops', { password: 'ops-password-1' }, { token: '' }),
    );
    for (const [method, path] of [
      ['PUT', 'sys/rotate'],
      ['GET', 'sys/key-status'],
      ['PUT', 'sys/step-down'],
      ['PUT', 'sys/seal'],
    ] as const) {
      assert.equal(
        await fromAddress(srv.port, '127.0.0.2', method, path, token),
        403,
        `${method} ${path} from 127.0.0.2`,
      );
    }
    assert.equal((await srv.api('GET', 'sys/health')).status, 200, 'nothing was sealed');
    assert.equal(
      await fromAddress(srv.port, '127.0.0.1', 'GET', 'sys/key-status', token),
      200,
      'inside its CIDRs the token works',
    );
  });
});
