// Requirements that a script of the repository ensures, for the provisioning step
// (scripts/provision/main.mjs): Consul through consul/ensure-consul.sh, which uses CONSUL_BIN or
// PATH and otherwise builds the pinned release through the Go module proxy, and the compose-go
// checker through test/tools/compose-config/ensure.sh.
import { spawn } from 'node:child_process';

/** How long a script runs before the step says what it is doing. */
const SLOW_MS = 3000;

/** Runs the requirement's command; resolves { ok, output } with what it printed on stderr. */
export function runScript(req, say) {
  return new Promise((resolve) => {
    const [cmd, ...args] = req.command;
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const timer = setTimeout(() => say(`${req.name}: ${req.slow ?? 'still running'}…`), SLOW_MS);
    const done = (ok, extra = '') => {
      clearTimeout(timer);
      resolve({ ok, output: `${stderr}${extra}`.trim() });
    };
    child.on('error', (err) => done(false, err.message));
    child.on('close', (code) => done(code === 0));
  });
}
