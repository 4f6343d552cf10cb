// Python modules for the provisioning step (scripts/provision/main.mjs), for the interpreter the
// tests run: $PYTHON, else python3 (as test/compat/hvac.test.ts).
import { spawnSync } from 'node:child_process';

/** The interpreter the tests run, and whether it was chosen with $PYTHON. */
export function pythonBin() {
  const custom = process.env.PYTHON;
  return custom !== undefined && custom !== ''
    ? { python: custom, custom: true }
    : { python: 'python3', custom: false };
}

// One interpreter start answers everything: which modules import, is there pip, is it a venv, is
// it externally managed (PEP 668), does it read the user's site-packages.
const PROBE = `
import importlib, importlib.util, json, os, site, sys, sysconfig
mods = {}
for m in sys.argv[1:]:
    try:
        importlib.import_module(m)
        mods[m] = True
    except Exception:
        mods[m] = False
print(json.dumps({
    "modules": mods,
    "pip": importlib.util.find_spec("pip") is not None,
    "venv": sys.prefix != sys.base_prefix,
    "externallyManaged": os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")),
    "userSite": bool(site.ENABLE_USER_SITE),
}))
`;

/** What the interpreter has; { python: false } when it does not run. */
export function probePython(python, modules) {
  const r = spawnSync(python, ['-c', PROBE, ...modules], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) return { python: false, modules: {} };
  try {
    return { python: true, ...JSON.parse(r.stdout) };
  } catch {
    return { python: false, modules: {} };
  }
}

/** Runs `python` with pip's arguments (pipInstallArgs in plan.mjs). */
export function pipInstall(python, args) {
  const r = spawnSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error?.message ?? ''}` };
}
