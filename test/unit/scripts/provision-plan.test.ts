import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

/** What the provisioning step knows about the tests' Python (python.mjs probePython). */
interface PythonFacts {
  python: boolean;
  pip?: boolean;
  venv?: boolean;
  externallyManaged?: boolean;
  userSite?: boolean;
  modules: Record<string, boolean>;
}
interface Missing {
  kind: 'apt' | 'python' | 'script';
  name: string;
  why: string;
  package?: string;
  detail?: string;
  command?: string[];
}
/** scripts/provision/plan.mjs, plain JavaScript outside tsconfig.json, typed here by its use. */
interface Plan {
  aptVia(facts: { root: boolean; hasAptGet: boolean; sudo: boolean }): 'root' | 'sudo' | null;
  pipInstallArgs(py: PythonFacts, root: boolean, packages: string[]): string[] | null;
  pythonAptNeeds(py: PythonFacts, missingModules: number, customPython: boolean): string[];
  failureMessage(missing: Missing[], ctx: { root: boolean; python: string; py: PythonFacts }): string;
}

const plan = (await import(new URL('../../../scripts/provision/plan.mjs', import.meta.url).href)) as Plan;

const PIP = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check'];
const systemPython: PythonFacts = {
  python: true,
  pip: true,
  venv: false,
  externallyManaged: false,
  userSite: true,
  modules: { hvac: false },
};

describe('provision plan', () => {
  it('installs apt packages as root, through passwordless sudo, or not at all', () => {
    assert.equal(plan.aptVia({ root: true, hasAptGet: true, sudo: false }), 'root');
    assert.equal(plan.aptVia({ root: false, hasAptGet: true, sudo: true }), 'sudo');
    assert.equal(plan.aptVia({ root: false, hasAptGet: true, sudo: false }), null);
    assert.equal(plan.aptVia({ root: true, hasAptGet: false, sudo: true }), null);
  });

  it('picks pip arguments that install where the interpreter imports from', () => {
    assert.deepEqual(plan.pipInstallArgs({ ...systemPython, venv: true }, false, ['hvac']), [...PIP, 'hvac']);
    assert.deepEqual(plan.pipInstallArgs(systemPython, true, ['hvac']), [...PIP, 'hvac']);
    assert.deepEqual(plan.pipInstallArgs(systemPython, false, ['hvac']), [...PIP, '--user', 'hvac']);
    // PEP 668: only the user's site, never the system's packages; without a user site, nothing.
    const managed = { ...systemPython, externallyManaged: true };
    assert.deepEqual(plan.pipInstallArgs(managed, true, ['hvac']), [
      ...PIP,
      '--user',
      '--break-system-packages',
      'hvac',
    ]);
    assert.equal(plan.pipInstallArgs({ ...managed, userSite: false }, false, ['hvac']), null);
  });

  it('asks apt for python3 and pip only when the default interpreter lacks them', () => {
    assert.deepEqual(plan.pythonAptNeeds({ python: false, modules: {} }, 1, false), [
      'python3',
      'python3-pip',
    ]);
    assert.deepEqual(plan.pythonAptNeeds({ ...systemPython, pip: false }, 1, false), ['python3-pip']);
    assert.deepEqual(plan.pythonAptNeeds({ ...systemPython, pip: false }, 0, false), []);
    assert.deepEqual(plan.pythonAptNeeds({ python: false, modules: {} }, 1, true), []);
  });

  it('says in one message what is missing and the commands that install it', () => {
    const message = plan.failureMessage(
      [
        { kind: 'apt', name: 'slapd', package: 'slapd', why: 'ldap tests' },
        { kind: 'apt', name: 'dig', package: 'dnsutils', why: 'dns tests' },
        { kind: 'python', name: 'hvac', package: 'hvac', why: 'hvac tests' },
        { kind: 'script', name: 'consul', why: 'HA tests', detail: 'ensure-consul: no Go toolchain' },
      ],
      { root: false, python: 'python3', py: systemPython },
    );
    const lines = message.split('\n');
    assert.match(lines[0] ?? '', /^provision: npm test needs/);
    assert.ok(lines.includes('  - dig (Debian package dnsutils): dns tests'), message);
    assert.ok(
      lines.includes(
        '  sudo apt-get update && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slapd dnsutils',
      ),
      message,
    );
    assert.ok(lines.includes('  python3 -m pip install --disable-pip-version-check --user hvac'), message);
    assert.ok(lines.includes('  consul: ensure-consul: no Go toolchain'), message);
    assert.equal(lines.at(-1), 'then run npm test again.');
  });

  it('points at a venv and PYTHON when pip may not install anywhere', () => {
    const py = { ...systemPython, externallyManaged: true, userSite: false };
    const message = plan.failureMessage(
      [{ kind: 'python', name: 'hvac', package: 'hvac', why: 'hvac tests' }],
      {
        root: true,
        python: 'python3',
        py,
      },
    );
    assert.match(
      message,
      /python3 -m venv \S+ && \S+\/bin\/pip install hvac && export PYTHON=\S+\/bin\/python/,
    );
    assert.doesNotMatch(message, /apt-get/);
  });
});
