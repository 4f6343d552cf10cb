// The pure decisions of the provisioning step (scripts/provision/main.mjs): how to install, and
// the one message that says what to do by hand. No I/O here, so test/unit/scripts/ covers it.

/**
 * How apt packages can be installed: as root directly, through sudo when it needs no password,
 * or not at all (null).
 */
export function aptVia({ root, hasAptGet, sudo }) {
  if (!hasAptGet) return null;
  if (root) return 'root';
  return sudo ? 'sudo' : null;
}

/**
 * The pip arguments that install into a place the interpreter imports from, or null when there is
 * none without breaking the system (an externally managed Python, PEP 668, with no user site).
 * A venv takes packages as they are; an externally managed system Python takes them in the user's
 * site only (`--user --break-system-packages` writes nothing outside ~/.local); root on an
 * unmanaged Python installs as CI always did; anyone else installs with --user.
 */
export function pipInstallArgs(py, root, packages) {
  const base = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check'];
  if (py.venv) return [...base, ...packages];
  if (py.externallyManaged)
    return py.userSite ? [...base, '--user', '--break-system-packages', ...packages] : null;
  if (root || !py.userSite) return [...base, ...packages];
  return [...base, '--user', ...packages];
}

/** Debian packages the Python interpreter needs before pip can install `missingModules` modules. */
export function pythonAptNeeds(py, missingModules, customPython) {
  if (customPython) return [];
  if (!py.python) return ['python3', 'python3-pip'];
  return missingModules > 0 && !py.pip ? ['python3-pip'] : [];
}

/** The command line a person runs to install Debian packages. */
export function aptCommandLine(packages, root) {
  const sudo = root ? '' : 'sudo ';
  return (
    `${sudo}apt-get update && ${sudo}env DEBIAN_FRONTEND=noninteractive ` +
    `apt-get install -y --no-install-recommends ${packages.join(' ')}`
  );
}

/** The command line a person runs to install PyPI packages for `python`. */
export function pipCommandLine(python, py, root, packages) {
  const args = pipInstallArgs(py, root, packages);
  if (args !== null) return `${python} ${args.filter((a) => a !== '--quiet').join(' ')}`;
  const venv = '~/.cache/tresor-venv';
  return `python3 -m venv ${venv} && ${venv}/bin/pip install ${packages.join(' ')} && export PYTHON=${venv}/bin/python`;
}

/**
 * The one message printed when something is still missing. `missing` holds
 * { kind: 'apt' | 'python' | 'script', name, why, package?, detail? }; ctx is { root, python, py }.
 */
export function failureMessage(missing, ctx) {
  const lines = ['provision: npm test needs what is not installed here, and it could not be installed:'];
  for (const m of missing) {
    const what =
      m.kind === 'apt' ? ` (Debian package ${m.package})` : m.kind === 'python' ? ` (PyPI ${m.package})` : '';
    lines.push(`  - ${m.name}${what}: ${m.why}`);
  }
  const apt = [...new Set(missing.filter((m) => m.kind === 'apt').map((m) => m.package))];
  const pip = missing.filter((m) => m.kind === 'python').map((m) => m.package);
  lines.push('Install it with:');
  if (apt.length > 0) lines.push(`  ${aptCommandLine(apt, ctx.root)}`);
  if (pip.length > 0) lines.push(`  ${pipCommandLine(ctx.python, ctx.py, ctx.root, pip)}`);
  for (const m of missing.filter((x) => x.kind === 'script')) {
    const detail = m.detail ?? `${m.command.join(' ')} failed`;
    lines.push(`  ${m.name}: ${detail.split('\n').join('\n    ')}`);
  }
  lines.push('then run npm test again.');
  return lines.join('\n');
}
