import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toRequestError, unavailability } from '../../../consul/client/decode.js';

describe('Consul unavailability: 503 that says why, instead of an internal error', () => {
  it('recognises what a client agent answers while its servers elect a leader or are gone', () => {
    for (const detail of [
      'No cluster leader',
      'rpc error making call: No cluster leader',
      'rpc error making call: rpc error getting client: failed to get conn: dial tcp 127.0.0.1:0->127.0.0.1:36121: connect: connection refused',
      'rpc error making call: EOF',
      'rpc error making call: leadership lost while committing log',
      'No known Consul servers',
      // seen when the leader was killed under load: the agent's RPC connection to it broke
      'rpc error making call: rpc error making call: write tcp 127.0.0.1:44581->127.0.0.1:37695: write: broken pipe',
      'rpc error making call: Not ready to serve consistent reads',
      'rpc error making call: Raft leader not found in server lookup mapping',
      'rpc error making call: session shutdown',
      'rpc error making call: stream closed',
      'rpc error making call: i/o deadline reached',
      'rpc error making call: use of closed network connection',
    ])
      assert.match(
        unavailability('kv.get', 500, detail, '') ?? '',
        /^Consul's servers have no leader/,
        detail,
      );
  });

  it('recognises an agent that does not answer, and names no address', () => {
    const why = unavailability('kv.get', undefined, 'connect ECONNREFUSED 127.0.0.1:8500', 'ECONNREFUSED');
    assert.equal(
      why,
      'the Consul agent does not answer (consul kv.get: ECONNREFUSED); retry once it is back',
    );
  });

  it('leaves every other failure a storage error', () => {
    assert.equal(unavailability('kv.put', 500, 'rpc error making call: invalid session "x"', ''), undefined);
    assert.equal(unavailability('kv.put', 403, 'Permission denied', ''), undefined);
    assert.equal(unavailability('kv.put', 413, 'Request body too large', ''), undefined);
    assert.equal(
      unavailability('kv.get', undefined, 'certificate has expired', 'CERT_HAS_EXPIRED'),
      undefined,
    );
  });

  it('makes the error a shown 503 for an outage and a hidden 500 otherwise', () => {
    const outage = toRequestError('kv.txn', { response: { statusCode: 500, body: 'No cluster leader' } });
    assert.equal(outage.status, 503);
    assert.equal(outage.expose, true);
    assert.equal(outage.consulStatus, 500);
    assert.match(outage.message, /^storage unavailable: Consul's servers have no leader/);
    const other = toRequestError('kv.txn', { response: { statusCode: 500, body: 'something else broke' } });
    assert.equal(other.status, 500);
    assert.equal(other.expose, false);
    assert.equal(other.message, 'consul kv.txn: HTTP 500: something else broke');
  });
});
