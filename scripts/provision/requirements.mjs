// What `npm test` needs beyond `npm install`, checked before the suite by scripts/provision/main.mjs
// (package.json "pretest"), and installed when missing and it can be.
//
// To add a requirement (PostgreSQL, MariaDB, rsyslog, SoftHSM2, Chromium, …) add one entry:
//   { kind: 'apt', name, why, package: '<Debian package>',
//     bins: ['<command on PATH or in /usr/sbin, /sbin>'], files: ['<absolute path that must exist>'] }
//       e.g. { kind: 'apt', name: 'rsyslog', package: 'rsyslog', bins: ['rsyslogd'], why: '…' }
//            { kind: 'apt', name: 'softhsm2', package: 'softhsm2', bins: ['softhsm2-util'], why: '…' }
//   { kind: 'python', name, why, module: '<import name>', package: '<PyPI name>' }
//       (for the interpreter the tests run: $PYTHON, else python3, as test/compat/hvac.test.ts does)
//   { kind: 'script', name, why, command: ['bash', '<script>'], slow: '<said when it runs past 3 s>' }
//       a script that exits 0 once the thing is there (building or fetching it if need be),
//       and otherwise non-zero with what to do on stderr.
// The apt, python and script kinds live in apt.mjs, python.mjs and script.mjs beside this file.

/** @type {ReadonlyArray<Record<string, unknown>>} */
export const requirements = [
  {
    kind: 'apt',
    name: 'slapd',
    package: 'slapd',
    files: ['/usr/sbin/slapd', '/usr/sbin/slapadd', '/usr/sbin/slappasswd'],
    why: 'OpenLDAP server for the ldap tests (test/helpers/slapd.ts)',
  },
  { kind: 'apt', name: 'dig', package: 'dnsutils', bins: ['dig'], why: 'for the DNS resolver tests' },
  {
    kind: 'apt',
    name: 'openssl',
    package: 'openssl',
    bins: ['openssl'],
    why: 'test PKI (test/helpers/openssl-pki.ts)',
  },
  { kind: 'python', name: 'hvac', module: 'hvac', package: 'hvac', why: 'for test/compat/hvac.test.ts' },
  {
    kind: 'script',
    name: 'consul',
    command: ['bash', 'consul/ensure-consul.sh'],
    slow: 'building the pinned Consul from source with Go (first run only, several minutes)',
    why: 'a real Consul agent for the HA, storage and DNS tests',
  },
  {
    kind: 'script',
    name: 'compose-config',
    command: ['bash', 'test/tools/compose-config/ensure.sh'],
    slow: 'building compose-go, the loader of docker compose, with Go (first run only)',
    why: 'checks docker-compose.yml as `docker compose config` does (test/integration/deploy/compose-config.test.ts)',
  },
];
