import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startConfiguredServer } from '../../helpers/in-process-server.js';

describe('configuration the server cannot honour stops the start', () => {
  it('refuses ha_storage instead of silently running without HA', async () => {
    await assert.rejects(
      startConfiguredServer('storage "inmem" {}\nha_storage "consul" {\n  address = "127.0.0.1:8500"\n}\n'),
      /ha_storage is not supported yet; use storage "consul"/,
    );
  });
});
