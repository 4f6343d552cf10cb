/**
 * The request pipeline without HTTP: a dev server (inmem) in this process, `core.handleRequest`
 * called directly for a kv v2 read, a kv v2 write and an orphan token creation, one at a time,
 * to tell the pipeline's CPU cost per request from the HTTP stack's.
 *   npx tsx bench/pipeline.ts [iterations]
 */
import { startServer } from '../src/server/run-server.js';
import { freePort } from '../src/helper/ports.js';

const iterations = Number(process.argv[2] ?? '20000');
const port = await freePort();
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = () => true;
const server = await startServer({
  dev: { rootTokenId: 'bench-root', listenAddress: `127.0.0.1:${port}`, noStoreToken: true },
  logLevel: 'error',
});
process.stdout.write = write;
const core = server.core;
const base = { clientToken: 'bench-root', remoteAddress: '127.0.0.1', headers: {} };
const secret = { data: { password: 'p'.repeat(64), user: 'bench' } };
for (let i = 0; i < 1000; i++)
  await core.handleRequest({ ...base, operation: 'update', path: `secret/data/bench/k${i}`, data: secret });

const cases: [string, () => Promise<unknown>][] = [
  [
    'kv v2 read',
    () =>
      core.handleRequest({
        ...base,
        operation: 'read',
        path: `secret/data/bench/k${Math.floor(Math.random() * 1000)}`,
        data: {},
      }),
  ],
  [
    'kv v2 write',
    () =>
      core.handleRequest({
        ...base,
        operation: 'update',
        path: `secret/data/bench/k${Math.floor(Math.random() * 1000)}`,
        data: secret,
      }),
  ],
  [
    'token create (orphan)',
    () =>
      core.handleRequest({
        ...base,
        operation: 'update',
        path: 'auth/token/create-orphan',
        data: { policies: ['default'] },
      }),
  ],
];
console.log('| request | µs per request (in process, inmem) |\n|---|---:|');
for (const [name, call] of cases) {
  for (let i = 0; i < 2000; i++) await call();
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await call();
  const us = Number(process.hrtime.bigint() - started) / 1000 / iterations;
  console.log(`| ${name} | ${us.toFixed(1)} |`);
}
await server.stop();
