// One-shot job of docker-compose.yml, in the tresor image, run on every `docker compose up`:
//
//   1. waits until every node answers;
//   2. the first time, initialises the cluster through the first node with 5 key shares and a
//      threshold of 3, and writes the keys and root token to $KEYS_FILE (mode 0600) —
//      DEVELOPMENT ONLY: a real operator hands each share to a different person;
//   3. unseals every sealed node with 3 of the shares (nodes start sealed after each restart);
//   4. waits for an active node, mounts kv v2 at secret/ if needed, writes secret/demo once,
//      writes the `demo-read` policy (read secret/data/demo, nothing else) and leaves a token
//      with only that policy in $DEMO_TOKEN_FILE for the demo client (kept while it still works).
//
// Tokens and keys are never printed.
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';

const nodes = (process.env.TRESOR_NODES ?? 'http://tresor1:8200,http://tresor2:8200,http://tresor3:8200')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s !== '');
const keysFile = process.env.KEYS_FILE ?? '/var/lib/tresor-init/cluster-keys.json';
const demoTokenFile = process.env.DEMO_TOKEN_FILE ?? '/var/lib/tresor-demo/token';
const SHARES = 5;
const THRESHOLD = 3;

const log = (msg) => console.error(`cluster-init: ${msg}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(addr, method, path, { body, token } = {}) {
  const res = await fetch(`${addr}/v1/${path}`, {
    method,
    headers: {
      ...(token ? { 'X-Vault-Token': token } : {}),
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : JSON.parse(text) };
}

async function must(addr, method, path, options) {
  const answer = await call(addr, method, path, options);
  if (answer.status >= 300)
    throw new Error(
      `${method} ${path} on ${addr}: ${answer.status} ${JSON.stringify(answer.body.errors ?? [])}`,
    );
  return answer.body;
}

async function waitFor(what, check, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

async function writeSecretFile(path, content) {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, content, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

async function keys() {
  const first = nodes[0];
  const { initialized } = await must(first, 'GET', 'sys/init');
  if (!initialized) {
    log(`initialising through ${first} (${SHARES} key shares, threshold ${THRESHOLD})`);
    const init = await must(first, 'PUT', 'sys/init', {
      body: { secret_shares: SHARES, secret_threshold: THRESHOLD },
    });
    const file = {
      WARNING:
        'DEVELOPMENT ONLY: unseal keys and root token of the docker-compose demo cluster. Never store unseal keys next to a real cluster.',
      unseal_keys_b64: init.keys_base64,
      unseal_keys_hex: init.keys,
      unseal_shares: SHARES,
      unseal_threshold: THRESHOLD,
      root_token: init.root_token,
    };
    await writeSecretFile(keysFile, `${JSON.stringify(file, null, 2)}\n`);
    log(`WARNING: unseal keys and root token written to ${keysFile} (volume tresor-keys) — development only`);
    return file;
  }
  try {
    return JSON.parse(await readFile(keysFile, 'utf8'));
  } catch {
    throw new Error(
      `the cluster is initialised but ${keysFile} is missing: unseal the nodes by hand (tresor operator unseal)`,
    );
  }
}

async function main() {
  for (const addr of nodes)
    await waitFor(
      `${addr} to answer`,
      async () => (await call(addr, 'GET', 'sys/seal-status')).status === 200,
    );
  const file = await keys();
  for (const addr of nodes) {
    for (const key of file.unseal_keys_b64.slice(0, THRESHOLD)) {
      const status = await must(addr, 'PUT', 'sys/unseal', { body: { key } });
      if (status.sealed === false) break;
    }
    log(`${addr} is unsealed`);
  }
  const token = file.root_token;
  const active = await waitFor('an active node', async () => {
    for (const addr of nodes) if ((await call(addr, 'GET', 'sys/health')).status === 200) return addr;
    return undefined;
  });
  log(`${active} is active`);
  const mounts = await must(active, 'GET', 'sys/mounts', { token });
  if (!('secret/' in (mounts.data ?? mounts))) {
    await must(active, 'POST', 'sys/mounts/secret', {
      token,
      body: { type: 'kv', options: { version: '2' } },
    });
  }
  if ((await call(active, 'GET', 'secret/data/demo', { token })).status === 404) {
    await must(active, 'POST', 'secret/data/demo', {
      token,
      body: { data: { message: 'hello from tresor' } },
    });
  }
  await must(active, 'PUT', 'sys/policies/acl/demo-read', {
    token,
    body: { policy: 'path "secret/data/demo" {\n  capabilities = ["read"]\n}\n' },
  });
  let demoToken = '';
  try {
    demoToken = (await readFile(demoTokenFile, 'utf8')).trim();
  } catch {
    // first run
  }
  // The demo token has no default policy (so no lookup-self): check it by what it is for.
  if (
    demoToken === '' ||
    (await call(active, 'GET', 'secret/data/demo', { token: demoToken })).status !== 200
  ) {
    const created = await must(active, 'POST', 'auth/token/create-orphan', {
      token,
      body: { policies: ['demo-read'], no_default_policy: true, ttl: '720h', display_name: 'demo-client' },
    });
    await writeSecretFile(demoTokenFile, `${created.auth.client_token}\n`);
    log(`a demo-read token is in ${demoTokenFile}`);
  }
  log('the cluster is ready');
}

main().catch((err) => {
  log(err.message);
  process.exit(1);
});
