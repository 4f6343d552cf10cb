/**
 * Test fixture, not a test: a separate "node" process that takes the HA lock on a Consul agent,
 * prints "held <session>", and keeps it until it is killed. With the mode "write" it then writes
 * `deposed/<n>` every 50 ms, printing "ack <n>" or "refused <n> <message>" for each write, and
 * "lost <reason>" when its lost signal fires.
 * Usage: node --import tsx lock-holder.ts <consul http addr> <node id> [write]
 */
import { ConsulBackend } from '../../../consul/storage/backend.js';
import { consulStorageConfig } from '../../../src/config/load.js';

const [address, nodeId, mode] = process.argv.slice(2);
if (address === undefined || nodeId === undefined) {
  process.stderr.write('usage: lock-holder.ts <consul http addr> <node id> [write]\n');
  process.exit(2);
}
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const backend = new ConsulBackend(
  consulStorageConfig({ address, path: 'vault/', check_ttl: '1s', lock_delay: '250ms' }),
);
const lock = backend.lock('core/lock', {
  nodeId,
  apiAddr: `http://${nodeId}:8200`,
  clusterAddr: `https://${nodeId}:8201`,
});
const lost = await lock.acquire(new AbortController().signal);
const res = await fetch(`http://${address}/v1/kv/vault/core/lock`);
const [entry] = (await res.json()) as { Session?: string }[];
lost.addEventListener('abort', () => {
  say(`lost ${String(lost.reason)}`);
});
say(`held ${entry?.Session ?? ''}`);

if (mode === 'write') {
  for (let n = 0; ; n++) {
    try {
      await backend.put({ key: `deposed/${n}`, value: Buffer.from(String(n)) });
      say(`ack ${n}`);
    } catch (err) {
      say(`refused ${n} ${(err as Error).message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
} else {
  // Stay alive until killed.
  setInterval(() => undefined, 60_000);
}
