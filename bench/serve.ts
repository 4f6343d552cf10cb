/**
 * A tresor server for benchmarks, in its own process so the load generator does not share its
 * event loop. `inmem` runs the dev server; `file` runs a real config with file storage that the
 * driver initialises and unseals over HTTP.
 *   tsx bench/serve.ts inmem|file PORT [TOKEN]
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServer } from '../src/server/run-server.js';

const [storage = 'inmem', port = '8300', token = 'bench-root'] = process.argv.slice(2);
if (storage === 'inmem') {
  await runServer({
    dev: { rootTokenId: token, listenAddress: `127.0.0.1:${port}`, noStoreToken: true },
    logLevel: 'error',
  });
} else {
  const dir = await mkdtemp(join(tmpdir(), 'tresor-bench-'));
  const file = join(dir, 'config.hcl');
  await writeFile(
    file,
    `storage "file" {\n  path = "${join(dir, 'data')}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\n`,
  );
  await runServer({ configPaths: [file], logLevel: 'error' });
}
