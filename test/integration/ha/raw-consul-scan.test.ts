import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startHaCluster } from '../../helpers/ha-cluster.js';
import type { HaCluster, HaNode } from '../../helpers/ha-cluster.js';
import { CONSUL_START_TIMEOUT } from '../../helpers/consul.js';

/**
 * The storage is untrusted (README.md, "Architecture", security notes): after a known secret value has gone in through the API
 * — kv v2 data and custom metadata, kv v1, cubbyhole, a policy, a token's id, display name and
 * metadata — no raw Consul KV key or value contains it, in plain text, base64 (at any alignment)
 * or hex; nor the root token, nor the unseal key.
 */

interface RawItem {
  readonly Key: string;
  readonly Value: string | null;
}

/** What the needle looks like in the encodings a careless implementation might store it in. */
function forms(needle: Buffer): string[] {
  const out = new Set<string>([
    needle.toString('latin1'),
    needle.toString('hex'),
    needle.toString('hex').toUpperCase(),
  ]);
  // Inside a longer base64 text the needle's encoding depends on its offset modulo 3: take, for
  // each offset, the part of the encoding that depends on the needle's bytes alone.
  for (let k = 0; k < 3; k++) {
    const padded = Buffer.concat([Buffer.alloc(k, 0x41), needle]);
    for (const enc of [padded.toString('base64'), padded.toString('base64url')]) out.add(enc.slice(4, -4));
  }
  return [...out];
}

/** Every place among the raw items where one of the needle's forms occurs. */
function findIn(items: readonly RawItem[], needles: Record<string, Buffer>): string[] {
  const hits: string[] = [];
  for (const [name, needle] of Object.entries(needles)) {
    const patterns = forms(needle);
    for (const item of items) {
      const value = Buffer.from(item.Value ?? '', 'base64').toString('latin1');
      for (const p of patterns) {
        if (item.Key.includes(p)) hits.push(`${name} in key ${item.Key}`);
        if (value.includes(p)) hits.push(`${name} in the value of ${item.Key}`);
        // Consul's own base64 transport encoding, undecoded.
        if ((item.Value ?? '').includes(p)) hits.push(`${name} in the raw base64 of ${item.Key}`);
      }
    }
  }
  return hits;
}

describe('raw Consul KV holds no secret in any recognisable form', { timeout: CONSUL_START_TIMEOUT }, () => {
  let c: HaCluster;
  let node: HaNode;
  const secret = `scan-${randomBytes(18).toString('hex')}`;
  const tokenId = `custom-${randomBytes(20).toString('hex')}`;

  const rawKv = async (): Promise<RawItem[]> => {
    const res = await fetch(`http://${c.consul.httpAddr}/v1/kv/?recurse=true`);
    assert.equal(res.status, 200);
    return (await res.json()) as RawItem[];
  };

  before(
    async () => {
      c = await startHaCluster(1);
      node = await c.active();
      const api = async (
        method: string,
        path: string,
        body?: unknown,
        token = c.rootToken,
      ): Promise<Record<string, unknown>> => {
        const r = await c.api(node, method, path, body, token);
        assert.ok(
          r.status >= 200 && r.status < 300,
          `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`,
        );
        return r.body;
      };
      await api('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } });
      await api('POST', 'sys/mounts/kv1', { type: 'kv', options: { version: '1' } });
      await api('POST', 'secret/data/scan/app', { data: { password: secret, nested: { deep: [secret] } } });
      await api('POST', 'secret/data/scan/app', { data: { password: secret, version: 2 } });
      await api('POST', 'secret/metadata/scan/app', { custom_metadata: { owner: secret } });
      await api('POST', 'kv1/scan/app', { password: secret });
      await api('POST', 'cubbyhole/scan', { password: secret });
      await api('PUT', 'sys/policies/acl/scan-policy', {
        policy: `path "secret/data/${secret}/*" {\n  capabilities = ["read"]\n}\n`,
      });
      const created = await api('POST', 'auth/token/create', {
        id: tokenId,
        policies: ['scan-policy'],
        display_name: secret,
        meta: { note: secret },
      });
      assert.equal((created.auth as { client_token?: string } | undefined)?.client_token, tokenId);
      // The values went in: they read back through the API.
      const v2 = await api('GET', 'secret/data/scan/app');
      assert.equal((v2.data as { data: { password: string } }).data.password, secret);
      const v1 = await api('GET', 'kv1/scan/app');
      assert.equal((v1.data as { password: string }).password, secret);
      const policy = await api('GET', 'sys/policies/acl/scan-policy');
      assert.match(
        String((policy.data as { policy?: string } | undefined)?.policy ?? policy.policy),
        new RegExp(secret),
      );
      const self = await api('GET', 'auth/token/lookup-self', undefined, tokenId);
      assert.equal((self.data as { display_name: string }).display_name, `token-${secret}`);
    },
    { timeout: CONSUL_START_TIMEOUT },
  );
  after(async () => {
    await c.stop();
  });

  it('the scan finds a needle planted in raw KV in each encoding (the scanner works)', async () => {
    const needle = Buffer.from(`control-${randomBytes(12).toString('hex')}`);
    const base = `scan-control/${randomBytes(4).toString('hex')}`;
    const planted: Record<string, Buffer> = {
      plain: Buffer.concat([Buffer.from('{"x":"'), needle, Buffer.from('"}')]),
      hex: Buffer.from(`0x${needle.toString('hex')}`),
      b64: Buffer.from(`ab${Buffer.concat([Buffer.from('z'), needle]).toString('base64')}`),
      key: Buffer.from('nothing here'),
    };
    for (const [name, value] of Object.entries(planted)) {
      const key = name === 'key' ? `${base}/${needle.toString('latin1')}` : `${base}/${name}`;
      const r = await fetch(`http://${c.consul.httpAddr}/v1/kv/${key}`, {
        method: 'PUT',
        body: new Uint8Array(value),
      });
      assert.equal(r.status, 200);
    }
    try {
      const hits = findIn(await rawKv(), { needle });
      for (const name of ['plain', 'hex', 'b64'])
        assert.ok(
          hits.some((h) => h.endsWith(`${base}/${name}`)),
          `found ${name}: ${hits.join('; ')}`,
        );
      assert.ok(
        hits.some((h) => h.startsWith('needle in key')),
        hits.join('; '),
      );
    } finally {
      await fetch(`http://${c.consul.httpAddr}/v1/kv/scan-control/?recurse=true`, { method: 'DELETE' });
    }
  });

  it('no raw key or value contains the secret, the token id, the root token or the unseal key', async () => {
    const items = await rawKv();
    const own = items.filter((i) => i.Key.startsWith('tresor/'));
    // The data is in Consul under the configured prefix, including the kv v1 entry under its path.
    assert.ok(own.length >= 10, `tresor keeps its data under tresor/ (found ${own.length} keys)`);
    assert.ok(
      own.some((i) => /^tresor\/logical\/[^/]+\/scan\/app$/.test(i.Key)),
      `the kv v1 entry is stored in Consul: ${own.map((i) => i.Key).join(', ')}`,
    );
    const hits = findIn(items, {
      secret: Buffer.from(secret),
      'token id': Buffer.from(tokenId),
      'root token': Buffer.from(c.rootToken),
      'unseal key': Buffer.from(c.unsealKey, 'base64'),
      'unseal key (base64 text)': Buffer.from(c.unsealKey),
    });
    console.log(
      `# scanned ${items.length} raw KV entries (${own.length} under tresor/): ${hits.length} hits`,
    );
    assert.deepEqual(hits, []);
  });
});
