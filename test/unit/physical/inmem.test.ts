import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InmemBackend } from '../../../src/physical/inmem.js';
import { physicalBackendConformance } from '../../helpers/physical-conformance.js';

physicalBackendConformance('inmem', { open: () => new InmemBackend() });

describe('InmemBackend', () => {
  it('exposes every raw entry for storage scans', async () => {
    const backend = new InmemBackend();
    await backend.put({ key: 'a/b', value: Buffer.from('v') });
    assert.deepEqual([...backend.entries()], [['a/b', Buffer.from('v')]]);
    assert.equal(backend.type, 'inmem');
  });
});
