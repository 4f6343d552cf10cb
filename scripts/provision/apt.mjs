// Debian packages for the provisioning step (scripts/provision/main.mjs): is a requirement's
// command or file there, and apt-get install as root or through `sudo -n`.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { spawnSync } from 'node:child_process';

/** Daemons such as slapd live in sbin, which a non-root PATH often leaves out. */
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Whether `name` is an executable on PATH or in an sbin folder. */
export function onPath(name, path = process.env.PATH ?? '') {
  for (const dir of [...path.split(delimiter).filter((d) => d !== ''), ...SBIN]) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** Whether every command (`bins`) and file (`files`) of an apt requirement is there. */
export function aptPresent(req) {
  return (req.bins ?? []).every((b) => onPath(b)) && (req.files ?? []).every((f) => existsSync(f));
}

/** Whether sudo runs without asking for a password. */
export function sudoWorks() {
  return spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

function run(via, args) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const [cmd, argv] =
    via === 'sudo'
      ? ['sudo', ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args]]
      : ['apt-get', args];
  const r = spawnSync(cmd, argv, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error?.message ?? ''}` };
}

/** apt-get update, then install `packages`; `via` is 'root' or 'sudo' (see aptVia in plan.mjs). */
export function aptInstall(packages, via) {
  const update = run(via, ['update', '-qq']);
  if (!update.ok) return update;
  return run(via, ['install', '-y', '-qq', '--no-install-recommends', ...packages]);
}
