import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { InmemBackend } from '../../../src/physical/inmem.js';
import { AesGcmBarrier } from '../../../src/core/barrier/aes-gcm-barrier.js';
import { STORAGE_KEYS } from '../../../src/core/storage-keys.js';
import { StorageView } from '../../../src/core/barrier/view.js';

async function unsealedBarrier(): Promise<{
  physical: InmemBackend;
  barrier: AesGcmBarrier;
  rootKey: Buffer;
}> {
  const physical = new InmemBackend();
  const barrier = new AesGcmBarrier(physical);
  const rootKey = randomBytes(32);
  await barrier.initialize(rootKey);
  await barrier.unseal(rootKey);
  return { physical, barrier, rootKey };
}

describe('AES-GCM barrier', () => {
  it('round-trips values and never stores the plaintext', async () => {
    const { physical, barrier } = await unsealedBarrier();
    const secret = Buffer.from('correct horse battery staple, a known value');
    await barrier.put('app/db/password', secret);
    assert.deepEqual(await barrier.get('app/db/password'), secret);
    for (const [key, value] of physical.entries()) {
      assert.equal(value.includes(secret), false, `plaintext found at ${key}`);
      assert.equal(value.includes(Buffer.from('correct horse')), false, `partial plaintext found at ${key}`);
    }
  });

  it('binds the storage path: a ciphertext copied to another key does not decrypt', async () => {
    const { physical, barrier } = await unsealedBarrier();
    await barrier.put('a', Buffer.from('value-a'));
    const raw = await physical.get('a');
    await physical.put({ key: 'b', value: raw!.value });
    await assert.rejects(barrier.get('b'), /failed authentication/);
  });

  it('detects a tampered ciphertext', async () => {
    const { physical, barrier } = await unsealedBarrier();
    await barrier.put('k', Buffer.from('value'));
    const raw = (await physical.get('k'))!.value;
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    await physical.put({ key: 'k', value: raw });
    await assert.rejects(barrier.get('k'), /failed authentication/);
  });

  it('refuses every operation while sealed', async () => {
    const { barrier } = await unsealedBarrier();
    barrier.seal();
    assert.equal(barrier.sealed, true);
    await assert.rejects(barrier.get('x'), /Vault is sealed/);
    await assert.rejects(barrier.put('x', Buffer.from('y')), /Vault is sealed/);
    await assert.rejects(barrier.list(''), /Vault is sealed/);
  });

  it('rejects a wrong root key', async () => {
    const { physical } = await unsealedBarrier();
    const other = new AesGcmBarrier(physical);
    await assert.rejects(other.unseal(randomBytes(32)));
    assert.equal(other.sealed, true);
  });

  it('rotates: new writes use the new term, old terms still decrypt, across a re-unseal', async () => {
    const { physical, barrier, rootKey } = await unsealedBarrier();
    await barrier.put('old', Buffer.from('written under term 1'));
    const { term } = await barrier.rotate();
    assert.equal(term, 2);
    assert.equal(barrier.keyStatus().term, 2);
    await barrier.put('new', Buffer.from('written under term 2'));
    assert.equal((await physical.get('old'))!.value.readUInt32BE(0), 1);
    assert.equal((await physical.get('new'))!.value.readUInt32BE(0), 2);
    const again = new AesGcmBarrier(physical);
    await again.unseal(rootKey);
    assert.equal((await again.get('old'))!.toString(), 'written under term 1');
    assert.equal((await again.get('new'))!.toString(), 'written under term 2');
    assert.equal(again.keyStatus().term, 2);
    assert.ok((await physical.get(STORAGE_KEYS.keyring)) !== undefined);
  });
});

describe('storage views', () => {
  it('confine keys to their prefix and refuse dot segments', async () => {
    const { barrier } = await unsealedBarrier();
    const view = new StorageView(barrier, 'logical/abc/');
    await view.put('x/y', Buffer.from('1'));
    assert.deepEqual(await barrier.list('logical/abc/'), ['x/']);
    assert.deepEqual(await view.list('x/'), ['y']);
    await assert.rejects(view.get('../other'), /not allowed/);
    await assert.rejects(view.put('a/./b', Buffer.from('')), /not allowed/);
    await assert.rejects(view.get('/abs'), /invalid path/);
  });
});
