/**
 * A real OpenLDAP server for tests: `slapd` on free 127.0.0.1 ports with a generated slapd.conf
 * and a small directory (dc=tresor,dc=test) loaded with `slapadd` before start:
 *   ou=users     uid=alice, uid=bob, uid=carol (inetOrgPerson, {SSHA} passwords from slappasswd)
 *   ou=groups    cn=devs (groupOfNames: alice), cn=ops (posixGroup: bob), cn=Admins (groupOfUniqueNames: carol)
 *   ou=services  cn=vault, the service account auth methods bind as
 * Optionally also ldaps:// and StartTLS with a given certificate. `stop()` ends the process and
 * removes its temp dir. A missing slapd is an error (never a skipped test).
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/helper/ports.js';

const run = promisify(execFile);
const SBIN = '/usr/sbin';

export const BASE_DN = 'dc=tresor,dc=test';
export const USERS_DN = `ou=users,${BASE_DN}`;
export const GROUPS_DN = `ou=groups,${BASE_DN}`;
export const SERVICE_DN = `cn=vault,ou=services,${BASE_DN}`;

export interface SlapdOptions {
  /** Serve ldaps:// on a second port and allow StartTLS, with this certificate and key (PEM files). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

export interface Slapd {
  /** ldap://127.0.0.1:<port> */
  readonly url: string;
  /** ldaps://127.0.0.1:<port>, when started with TLS. */
  readonly ldapsUrl: string | undefined;
  readonly bindDn: string;
  readonly bindPassword: string;
  /** Each user's password, by uid. */
  readonly passwords: Readonly<Record<'alice' | 'bob' | 'carol', string>>;
  stop(): Promise<void>;
}

async function findSlapd(): Promise<string> {
  const bin = join(SBIN, 'slapd');
  try {
    await access(bin);
    return bin;
  } catch {
    const where = process.env.CI === 'true' ? 'CI must install it' : 'install it';
    throw new Error(
      `slapd not found at ${bin}: ${where} with "DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils" ` +
        '(the LDAP tests run against a real OpenLDAP server and are never skipped)',
    );
  }
}

async function ssha(password: string): Promise<string> {
  const { stdout } = await run(join(SBIN, 'slappasswd'), ['-h', '{SSHA}', '-s', password]);
  return stdout.trim();
}

function slapdConf(dir: string, rootPw: string, tls: SlapdOptions['tls']): string {
  return [
    ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include /etc/ldap/schema/${s}.schema`),
    `pidfile ${join(dir, 'slapd.pid')}`,
    `argsfile ${join(dir, 'slapd.args')}`,
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    ...(tls === undefined
      ? []
      : [`TLSCertificateFile ${tls.certFile}`, `TLSCertificateKeyFile ${tls.keyFile}`]),
    'database mdb',
    'maxsize 16777216',
    `suffix "${BASE_DN}"`,
    `rootdn "cn=admin,${BASE_DN}"`,
    `rootpw ${rootPw}`,
    `directory ${join(dir, 'data')}`,
    'access to attrs=userPassword by anonymous auth by self read by * none',
    'access to * by * read',
    '',
  ].join('\n');
}

function person(uid: string, cn: string, hash: string): string {
  return [
    `dn: uid=${uid},${USERS_DN}`,
    'objectClass: inetOrgPerson',
    `uid: ${uid}`,
    `cn: ${cn}`,
    `sn: ${cn.split(' ').pop() ?? cn}`,
    `mail: ${uid}@tresor.test`,
    `userPassword: ${hash}`,
  ].join('\n');
}

async function directory(passwords: Record<string, string>, servicePassword: string): Promise<string> {
  const entries = [
    `dn: ${BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\no: Tresor Test\ndc: tresor`,
    ...['users', 'groups', 'services'].map(
      (ou) => `dn: ou=${ou},${BASE_DN}\nobjectClass: organizationalUnit\nou: ${ou}`,
    ),
    `dn: ${SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: vault\nuserPassword: ${await ssha(servicePassword)}`,
    person('alice', 'Alice Liddell', await ssha(passwords.alice ?? '')),
    person('bob', 'Bob Builder', await ssha(passwords.bob ?? '')),
    person('carol', 'Carol Danvers', await ssha(passwords.carol ?? '')),
    `dn: cn=devs,${GROUPS_DN}\nobjectClass: groupOfNames\ncn: devs\nmember: uid=alice,${USERS_DN}`,
    `dn: cn=ops,${GROUPS_DN}\nobjectClass: posixGroup\ncn: ops\ngidNumber: 5000\nmemberUid: bob`,
    `dn: cn=Admins,${GROUPS_DN}\nobjectClass: groupOfUniqueNames\ncn: Admins\nuniqueMember: uid=carol,${USERS_DN}`,
  ];
  return `${entries.join('\n\n')}\n`;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

async function waitReady(child: ChildProcess, port: number, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`slapd exited with code ${child.exitCode}:\n${log()}`);
    if (await portOpen(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`slapd did not listen on 127.0.0.1:${port} within 15s:\n${log()}`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts slapd with the test directory; the caller must `stop()` it. */
export async function startSlapd(opts: SlapdOptions = {}): Promise<Slapd> {
  const slapd = await findSlapd();
  const dir = await mkdtemp(join(tmpdir(), 'tresor-slapd-'));
  let child: ChildProcess | undefined;
  try {
    await mkdir(join(dir, 'data'));
    const secret = (): string => randomBytes(9).toString('base64url');
    const passwords = { alice: `alice-${secret()}`, bob: `bob-${secret()}`, carol: `carol-${secret()}` };
    const bindPassword = `vault-${secret()}`;
    const conf = join(dir, 'slapd.conf');
    await writeFile(conf, slapdConf(dir, await ssha(secret()), opts.tls));
    await writeFile(join(dir, 'data.ldif'), await directory(passwords, bindPassword));
    await run(join(SBIN, 'slapadd'), ['-q', '-f', conf, '-l', join(dir, 'data.ldif')]);
    const port = await freePort();
    const tlsPort = opts.tls === undefined ? undefined : await freePort();
    const urls = [
      `ldap://127.0.0.1:${port}/`,
      ...(tlsPort === undefined ? [] : [`ldaps://127.0.0.1:${tlsPort}/`]),
    ];
    // -d keeps slapd in the foreground, so the test owns the process
    child = spawn(slapd, ['-f', conf, '-h', urls.join(' '), '-d', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    await waitReady(child, port, () => output);
    if (tlsPort !== undefined) await waitReady(child, tlsPort, () => output);
    const proc = child;
    return {
      url: `ldap://127.0.0.1:${port}`,
      ldapsUrl: tlsPort === undefined ? undefined : `ldaps://127.0.0.1:${tlsPort}`,
      bindDn: SERVICE_DN,
      bindPassword,
      passwords,
      async stop() {
        await stopProcess(proc);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (child !== undefined) await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
