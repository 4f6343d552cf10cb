import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InmemBackend } from '../../../src/physical/inmem.js';
import type { PhysicalEntry } from '../../../src/physical/types.js';
import { Core } from '../../../src/core/core.js';
import { silentLogger } from '../../../src/helper/logger.js';
import { builtinCatalog } from '../../../src/builtin/catalog.js';

/** Inmem storage that counts reads. */
class CountingBackend extends InmemBackend {
  gets = 0;
  override get(key: string): Promise<PhysicalEntry | undefined> {
    this.gets++;
    return super.get(key);
  }
}

function newCore(physical: InmemBackend): Promise<Core> {
  return Core.create({
    physical,
    logger: silentLogger(),
    catalog: builtinCatalog(),
    defaultLeaseTtl: 2764800,
    maxLeaseTtl: 2764800,
  });
}

describe('Core.initialized (what sys/health and sys/init read)', () => {
  it('reads storage until initialised, and never again after', async () => {
    const physical = new CountingBackend();
    const core = await newCore(physical);
    physical.gets = 0;
    assert.equal(await core.initialized(), false);
    assert.equal(await core.initialized(), false);
    assert.equal(physical.gets, 2, 'an uninitialised node asks storage each time (another node may init)');

    await core.initialize({ secretShares: 1, secretThreshold: 1 });
    physical.gets = 0;
    for (let i = 0; i < 100; i++) assert.equal(await core.initialized(), true);
    assert.equal(physical.gets, 0);
  });

  it('learns from storage that another node initialised it, then stops asking', async () => {
    const physical = new CountingBackend();
    const other = await newCore(physical);
    const core = await newCore(physical);
    assert.equal(await core.initialized(), false);
    await other.initialize({ secretShares: 1, secretThreshold: 1 });
    assert.equal(await core.initialized(), true);
    physical.gets = 0;
    assert.equal(await core.initialized(), true);
    assert.equal(physical.gets, 0);

    const restarted = await newCore(physical);
    physical.gets = 0;
    assert.equal(await restarted.initialized(), true);
    assert.equal(physical.gets, 0, 'a node that starts on initialised storage knows it');
  });
});
