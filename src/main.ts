#!/usr/bin/env node
/**
 * The tresor executable: `tresor <command> [args]`, mirroring the vault CLI. The exit code is the
 * command's (0 success, 1 usage or local error, 2 API error or sealed for `status`, 127 unknown
 * command).
 */
import { runCli } from './cli/cli.js';
import { processIo } from './cli/output/io.js';

function flushAndExit(code: number): void {
  let pending = 2;
  const done = (): void => {
    pending--;
    if (pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

runCli(process.argv.slice(2), processIo()).then(flushAndExit, (err: unknown) => {
  process.stderr.write(`Error executing CLI: ${err instanceof Error ? err.message : String(err)}\n`);
  flushAndExit(1);
});
