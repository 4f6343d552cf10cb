import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InmemBackend } from '../../../src/physical/inmem.js';
import { Core } from '../../../src/core/core.js';
import { silentLogger } from '../../../src/helper/logger.js';
import { builtinCatalog } from '../../../src/builtin/catalog.js';
import { decodeKeyShare } from '../../../src/core/seal/decode-key.js';
import { validateInitParams } from '../../../src/core/seal/shamir-seal.js';

async function newCore(physical = new InmemBackend()): Promise<Core> {
  return Core.create({
    physical,
    logger: silentLogger(),
    catalog: builtinCatalog(),
    defaultLeaseTtl: 2764800,
    maxLeaseTtl: 2764800,
  });
}

describe('init parameters', () => {
  const cases: [number, number, RegExp][] = [
    [0, 0, /secret_shares must be an integer of at least 1/],
    [256, 3, /at most 255/],
    [3, 5, /cannot be larger than secret_shares/],
    [5, 1, /greater than one for multiple shares/],
    [5, 0, /secret_threshold must be an integer of at least 1/],
    [2.5, 2, /secret_shares must be an integer/],
  ];
  for (const [n, t, re] of cases) {
    it(`rejects shares=${n} threshold=${t}`, () => {
      assert.throws(() => {
        validateInitParams({ secretShares: n, secretThreshold: t });
      }, re);
    });
  }
  it('accepts 1/1 and 5/3 and 255/255', () => {
    validateInitParams({ secretShares: 1, secretThreshold: 1 });
    validateInitParams({ secretShares: 5, secretThreshold: 3 });
    validateInitParams({ secretShares: 255, secretThreshold: 255 });
  });
});

describe('key share decoding', () => {
  it('accepts hex and base64 of the right length', () => {
    const raw = Buffer.alloc(33, 7);
    assert.deepEqual(decodeKeyShare(raw.toString('hex'), 33), raw);
    assert.deepEqual(decodeKeyShare(raw.toString('base64'), 33), raw);
  });
  it('rejects garbage, empty and wrong lengths', () => {
    assert.throws(() => decodeKeyShare('not a key!', 33), /valid hex or base64/);
    assert.throws(() => decodeKeyShare('', 33), /missing required parameter 'key'/);
    assert.throws(() => decodeKeyShare(12, 33), /missing required parameter 'key'/);
    assert.throws(() => decodeKeyShare(Buffer.alloc(32).toString('hex'), 33), /wrong length/);
  });
});

describe('shamir init and unseal', () => {
  it('unseals with any threshold of distinct shares, and survives a restart', async () => {
    const physical = new InmemBackend();
    const core = await newCore(physical);
    assert.equal(core.state.state, 'uninitialized');
    const { keys, rootToken } = await core.initialize({ secretShares: 5, secretThreshold: 3 });
    assert.equal(keys.length, 5);
    assert.ok(keys.every((k) => k.length === 33));
    assert.match(rootToken, /^hvs\.[A-Za-z0-9]{24}$/);
    assert.equal(core.state.state, 'sealed');

    let status = await core.submitUnsealKey(keys[4]!.toString('hex'));
    assert.equal(status.progress, 1);
    assert.notEqual(status.nonce, '');
    status = await core.submitUnsealKey(keys[4]!.toString('base64'));
    assert.equal(status.progress, 1, 'a repeated share does not count twice');
    status = await core.submitUnsealKey(keys[1]!.toString('base64'));
    assert.equal(status.progress, 2);
    status = await core.submitUnsealKey(keys[2]!.toString('hex'));
    assert.equal(status.sealed, false);
    assert.equal(status.progress, 0);
    assert.equal(core.state.state, 'active');
    assert.ok((await core.lookupToken(rootToken))?.policies.includes('root'));

    const restarted = await newCore(physical);
    assert.equal(restarted.state.state, 'sealed');
    for (const k of [keys[0]!, keys[3]!, keys[1]!]) await restarted.submitUnsealKey(k.toString('hex'));
    assert.equal(restarted.state.state, 'active');
    assert.ok((await restarted.lookupToken(rootToken)) !== undefined);
  });

  it('fails cleanly on shares from another cluster and resets progress', async () => {
    const a = await newCore();
    const b = await newCore();
    const ka = (await a.initialize({ secretShares: 3, secretThreshold: 2 })).keys;
    const kb = (await b.initialize({ secretShares: 3, secretThreshold: 2 })).keys;
    await a.submitUnsealKey(ka[0]!.toString('hex'));
    await assert.rejects(a.submitUnsealKey(kb[1]!.toString('hex')), /Unseal failed, invalid key/);
    const status = await a.sealStatus();
    assert.equal(status.sealed, true);
    assert.equal(status.progress, 0);
    assert.equal(status.nonce, '');
    await a.submitUnsealKey(ka[0]!.toString('hex'));
    const done = await a.submitUnsealKey(ka[2]!.toString('hex'));
    assert.equal(done.sealed, false);
  });

  it('a malformed key changes nothing', async () => {
    const core = await newCore();
    const { keys } = await core.initialize({ secretShares: 3, secretThreshold: 2 });
    await core.submitUnsealKey(keys[0]!.toString('hex'));
    await assert.rejects(core.submitUnsealKey('!not-a-key!'), /valid hex or base64/);
    await assert.rejects(core.submitUnsealKey('zzzz'), /wrong length/);
    assert.equal((await core.sealStatus()).progress, 1);
  });

  it('refuses a second init and keeps the first', async () => {
    const core = await newCore();
    await core.initialize({ secretShares: 1, secretThreshold: 1 });
    await assert.rejects(core.initialize({ secretShares: 1, secretThreshold: 1 }), /already initialized/);
  });

  it('seals: keys leave memory and token lookups are refused', async () => {
    const core = await newCore();
    const { keys, rootToken } = await core.initialize({ secretShares: 1, secretThreshold: 1 });
    assert.equal(keys[0]!.length, 32, '1-of-1 share is the 32-byte key itself');
    await core.submitUnsealKey(keys[0]!.toString('base64'));
    await core.sealNode();
    assert.equal(core.state.state, 'sealed');
    assert.equal(core.deriveClusterKey('test'), undefined, 'the barrier holds no key');
    assert.throws(() => core.keyStatus(), /sealed/);
    await assert.rejects(core.lookupToken(rootToken), /sealed/);
  });

  it('reset clears progress, and is refused when unsealed', async () => {
    const core = await newCore();
    const { keys } = await core.initialize({ secretShares: 3, secretThreshold: 2 });
    await core.submitUnsealKey(keys[0]!.toString('hex'));
    assert.equal((await core.resetUnseal()).progress, 0);
    await core.submitUnsealKey(keys[0]!.toString('hex'));
    await core.submitUnsealKey(keys[1]!.toString('hex'));
    await assert.rejects(core.resetUnseal(), /vault is unsealed/);
  });
});
