// The first step of `npm test` (package.json "pretest"): checks what the suite needs beyond
// `npm install` (the table in scripts/provision/requirements.mjs), installs what is missing when
// it can (apt-get as root or through `sudo -n`, pip for the tests' Python, the repository's
// ensure scripts), and otherwise stops with one message that says what to install.
// With everything there it prints one line. TRESOR_PROVISION=check checks and installs nothing.
import { fileURLToPath } from 'node:url';
import { aptInstall, aptPresent, onPath, sudoWorks } from './apt.mjs';
import { aptVia, failureMessage, pipInstallArgs, pythonAptNeeds } from './plan.mjs';
import { pipInstall, probePython, pythonBin } from './python.mjs';
import { requirements } from './requirements.mjs';
import { runScript } from './script.mjs';

const started = performance.now();
process.chdir(fileURLToPath(new URL('../..', import.meta.url)));
const say = (msg) => console.log(`provision: ${msg}`);
const install = process.env.TRESOR_PROVISION !== 'check';
const root = process.getuid?.() === 0;
const { python, custom } = pythonBin();

const ofKind = (kind) => requirements.filter((r) => r.kind === kind);
const aptReqs = ofKind('apt');
const pyReqs = ofKind('python');
const modules = pyReqs.map((r) => r.module);

/** Everything missing now, as failureMessage (plan.mjs) lists it. */
function missingNow(py) {
  const missing = aptReqs.filter((r) => !aptPresent(r)).map((r) => ({ ...r }));
  const pyMissing = py.python ? pyReqs.filter((r) => py.modules[r.module] !== true) : pyReqs;
  if (!py.python && custom) {
    const detail = `PYTHON=${python} does not run: point it at a Python 3, or unset it to use python3`;
    return [...missing, { kind: 'script', name: 'PYTHON', why: 'runs the Python tests', detail }];
  }
  for (const pkg of pythonAptNeeds(py, pyMissing.length, custom)) {
    missing.push({ kind: 'apt', name: pkg, package: pkg, why: 'the Python the tests run, with pip' });
  }
  return [...missing, ...pyMissing.map((r) => ({ ...r }))];
}

function fail(step, output) {
  const tail = output.trim().split('\n').slice(-15).join('\n');
  say(`${step} failed:\n${tail}`);
}

let py = probePython(python, modules);
let missing = missingNow(py);

const aptPackages = [...new Set(missing.filter((m) => m.kind === 'apt').map((m) => m.package))];
if (install && aptPackages.length > 0) {
  const via = aptVia({ root, hasAptGet: onPath('apt-get'), sudo: !root && sudoWorks() });
  if (via !== null) {
    say(`installing ${aptPackages.join(' ')} with apt-get${via === 'sudo' ? ' (sudo)' : ''}…`);
    const r = aptInstall(aptPackages, via);
    if (!r.ok) fail('apt-get', r.output);
    py = probePython(python, modules);
    missing = missingNow(py);
  }
}

const pipPackages = missing.filter((m) => m.kind === 'python').map((m) => m.package);
const pipArgs = py.python && py.pip ? pipInstallArgs(py, root, pipPackages) : null;
if (install && pipPackages.length > 0 && pipArgs !== null) {
  say(`installing ${pipPackages.join(' ')} with ${python} -m pip…`);
  const r = pipInstall(python, pipArgs);
  if (!r.ok) fail('pip install', r.output);
  py = probePython(python, modules);
  missing = missingNow(py);
}

for (const req of ofKind('script')) {
  const r = await runScript(req, say);
  if (!r.ok) missing.push({ ...req, detail: r.output === '' ? undefined : r.output });
}

if (missing.length > 0) {
  console.error(failureMessage(missing, { root, python, py }));
  process.exit(1);
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
say(`ok: ${requirements.map((r) => r.name).join(', ')} (${seconds} s)`);
