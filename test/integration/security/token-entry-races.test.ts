import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTresor, clientToken } from '../../helpers/tresor-process.js';
import type { TresorProcess } from '../../helpers/tresor-process.js';

/**
 * A token's entry is changed under one lock per token: a revocation racing with uses of the token
 * leaves it revoked (a use in flight must not write the entry back), on file storage.
 */
describe('token entry updates race with revocation', () => {
  let srv: TresorProcess;
  before(async () => {
    srv = await startTresor({ maxSockets: 32 });
  });
  after(async () => {
    await srv.stop();
  });

  it('a token revoked while 20 of its uses are in flight stays revoked', async () => {
    for (let round = 0; round < 15; round++) {
      const created = await srv.api('POST', 'auth/token/create', { policies: ['default'], num_uses: 50 });
      const token = clientToken(created);
      const accessor = (created.body.auth as { accessor: string }).accessor;
      const uses = Array.from({ length: 20 }, () =>
        srv.api('GET', 'auth/token/lookup-self', undefined, { token }),
      );
      const revoke = srv.api('POST', 'auth/token/revoke-accessor', { accessor });
      const [revoked] = await Promise.all([revoke, ...uses]);
      assert.equal(revoked.status, 204, revoked.text);
      const after = await srv.api('GET', 'auth/token/lookup-self', undefined, { token });
      assert.equal(after.status, 403, `round ${round}: the revoked token still works`);
      const byAccessor = await srv.api('POST', 'auth/token/lookup-accessor', { accessor });
      assert.notEqual(byAccessor.status, 200, `round ${round}: the revoked token's entry came back`);
    }
  });
});
