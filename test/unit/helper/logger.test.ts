import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/helper/logger.js';

describe('logger', () => {
  it('redacts tokens, keys and passwords wherever they appear', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger('info', sink).child({ subsystem: 'test' });
    log.info(
      {
        token: 'hvs.SECRET1',
        auth: { client_token: 'hvs.SECRET2' },
        keys: ['SECRET3'],
        password: 'SECRET4',
        headers: { 'x-vault-token': 'SECRET5', authorization: 'Bearer SECRET6' },
      },
      'event',
    );
    const out = lines.join('');
    for (let i = 1; i <= 6; i++) assert.ok(!out.includes(`SECRET${i}`), `SECRET${i} leaked: ${out}`);
    assert.match(out, /"subsystem":"test"/);
    assert.match(out, /\[redacted\]/);
  });
});
