import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runResolver, type RunningResolver } from '../../../dns/main.js';

describe('tresor dns (runResolver)', () => {
  it('exits 1 with the reason for a bad flag or a missing configuration file', async () => {
    let err = '';
    const stderr = (text: string): void => {
      err += text;
    };
    assert.equal(await runResolver(['-config=/nonexistent/dns.hcl'], { env: {}, stderr }), 1);
    assert.match(err, /\/nonexistent\/dns\.hcl: cannot read the configuration: no such file or directory/);
    err = '';
    assert.equal(await runResolver(['-listen=nowhere'], { env: {}, stderr }), 1);
    assert.match(err, /-listen: invalid address "nowhere"/);
    err = '';
    assert.equal(await runResolver(['-bogus'], { env: {}, stderr }), 1);
    assert.match(err, /flag provided but not defined: -bogus/);
  });

  it('runs until stopped, then exits 0; answers SERVFAIL and reports 503 while Consul is unreachable', async () => {
    const stop = new AbortController();
    let started: RunningResolver | undefined;
    const code = runResolver(
      ['-listen=127.0.0.1:0', '-http=127.0.0.1:0', '-consul=127.0.0.1:1', '-log-level=error'],
      {
        env: {},
        signal: stop.signal,
        onStarted: (r) => {
          started = r;
        },
      },
    );
    while (started === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    const res = await fetch(`http://127.0.0.1:${started.httpPort}/health`);
    assert.equal(res.status, 503);
    assert.equal(started.health().healthy, false);
    stop.abort();
    assert.equal(await code, 0);
  });
});
