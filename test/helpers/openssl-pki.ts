/**
 * A throwaway PKI built with the openssl CLI in a temp dir: CAs (root or intermediate), leaf
 * certificates with chosen names, usages and validity, revocation and CRLs (`openssl ca`).
 * Keys are P-256 to keep generation fast.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate with its key, as PEM text and as files. */
export interface Issued {
  readonly name: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The DER of the certificate (what a TLS peer presents). */
  readonly der: Buffer;
}

/** A CA: its certificate and the `openssl ca` database it signs with. */
export interface Ca extends Issued {
  readonly dir: string;
  readonly config: string;
}

export interface LeafOptions {
  readonly cn: string;
  readonly ous?: readonly string[];
  readonly dns?: readonly string[];
  readonly emails?: readonly string[];
  readonly uris?: readonly string[];
  readonly ips?: readonly string[];
  /** Extended key usages ("clientAuth", "serverAuth", "anyExtendedKeyUsage"); [] for none. */
  readonly eku?: readonly string[];
  /** Extra extension lines for the openssl extension section ("1.2.3.4=ASN1:UTF8String:x"). */
  readonly extraExtensions?: readonly string[];
  /** openssl dates YYYYMMDDHHMMSSZ; default: now-1h to now+1y. */
  readonly startDate?: string;
  readonly endDate?: string;
}

function opensslDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** A temp-dir PKI; call `cleanup()` when done. */
export class TestPki {
  private counter = 0;

  private constructor(readonly dir: string) {}

  static async create(): Promise<TestPki> {
    return new TestPki(await mkdtemp(join(tmpdir(), 'tresor-pki-')));
  }

  /** Runs openssl; exported for tests that need a raw call. */
  async openssl(args: readonly string[]): Promise<string> {
    const { stdout } = await run('openssl', [...args], { cwd: this.dir });
    return stdout;
  }

  private async key(file: string): Promise<void> {
    await this.openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
  }

  private async load(name: string, certFile: string, keyFile: string): Promise<Issued> {
    const certPem = await readFile(certFile, 'utf8');
    const der = Buffer.from(
      certPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''),
      'base64',
    );
    return { name, certPem, keyPem: await readFile(keyFile, 'utf8'), certFile, keyFile, der };
  }

  private async database(name: string): Promise<{ dir: string; config: string }> {
    const dir = join(this.dir, `${name}-db`);
    await mkdir(join(dir, 'newcerts'), { recursive: true });
    await writeFile(join(dir, 'index.txt'), '');
    await writeFile(join(dir, 'serial'), `${(0x1000 + this.counter++ * 0x100).toString(16)}\n`);
    await writeFile(join(dir, 'crlnumber'), '01\n');
    const config = join(dir, 'ca.cnf');
    await writeFile(
      config,
      [
        '[ ca ]',
        'default_ca = CA_default',
        '[ CA_default ]',
        `dir = ${dir}`,
        'database = $dir/index.txt',
        'new_certs_dir = $dir/newcerts',
        'serial = $dir/serial',
        'crlnumber = $dir/crlnumber',
        `certificate = ${join(this.dir, `${name}.crt`)}`,
        `private_key = ${join(this.dir, `${name}.key`)}`,
        'default_md = sha256',
        'default_days = 365',
        'default_crl_days = 30',
        'policy = policy_any',
        'unique_subject = no',
        'email_in_dn = no',
        '[ policy_any ]',
        'organizationName = optional',
        'organizationalUnitName = optional',
        'commonName = supplied',
        '',
      ].join('\n'),
    );
    return { dir, config };
  }

  /**
   * A CA, self-signed or issued by `parent` (then an intermediate, pathlen 0 unless given). Its
   * subject is "O=Tresor Test, CN=<cn or name>"; `name` also names its files.
   */
  async createCa(name: string, parent?: Ca, opts: { pathLen?: number; cn?: string } = {}): Promise<Ca> {
    const subject = `/O=Tresor Test/CN=${opts.cn ?? name}`;
    const keyFile = join(this.dir, `${name}.key`);
    const certFile = join(this.dir, `${name}.crt`);
    await this.key(keyFile);
    const db = await this.database(name);
    if (parent === undefined) {
      await this.openssl([
        'req',
        '-x509',
        '-new',
        '-key',
        keyFile,
        '-subj',
        subject,
        '-days',
        '3650',
        '-out',
        certFile,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ]);
    } else {
      const constraint = `basicConstraints=critical,CA:TRUE,pathlen:${opts.pathLen ?? 0}`;
      await this.sign(parent, keyFile, certFile, subject, [
        constraint,
        'keyUsage=critical,keyCertSign,cRLSign',
        'subjectKeyIdentifier=hash',
        'authorityKeyIdentifier=keyid',
      ]);
    }
    return { ...(await this.load(name, certFile, keyFile)), ...db };
  }

  private async sign(
    ca: Ca,
    keyFile: string,
    certFile: string,
    subject: string,
    extensions: readonly string[],
    dates: { start?: string; end?: string } = {},
  ): Promise<void> {
    const csr = `${certFile}.csr`;
    const ext = `${certFile}.ext`;
    await this.openssl(['req', '-new', '-key', keyFile, '-subj', subject, '-out', csr]);
    await writeFile(ext, `[ ext ]\n${extensions.join('\n')}\n`);
    const start = dates.start ?? opensslDate(new Date(Date.now() - 3_600_000));
    const end = dates.end ?? opensslDate(new Date(Date.now() + 365 * 86_400_000));
    await this.openssl([
      'ca',
      '-batch',
      '-config',
      ca.config,
      '-notext',
      '-in',
      csr,
      '-out',
      certFile,
      '-extfile',
      ext,
      '-extensions',
      'ext',
      '-startdate',
      start,
      '-enddate',
      end,
    ]);
  }

  /** A leaf certificate issued by `ca`. */
  async issue(ca: Ca, name: string, opts: LeafOptions): Promise<Issued> {
    const keyFile = join(this.dir, `${name}.key`);
    const certFile = join(this.dir, `${name}.crt`);
    await this.key(keyFile);
    const sans = [
      ...(opts.dns ?? []).map((d) => `DNS:${d}`),
      ...(opts.emails ?? []).map((e) => `email:${e}`),
      ...(opts.uris ?? []).map((u) => `URI:${u}`),
      ...(opts.ips ?? []).map((i) => `IP:${i}`),
    ];
    const eku = opts.eku ?? ['clientAuth'];
    const extensions = [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
      ...(eku.length === 0 ? [] : [`extendedKeyUsage=${eku.join(',')}`]),
      ...(sans.length === 0 ? [] : [`subjectAltName=${sans.join(',')}`]),
      ...(opts.extraExtensions ?? []),
    ];
    const subject = `${(opts.ous ?? []).map((ou) => `/OU=${ou}`).join('')}/CN=${opts.cn}`;
    const dates: { start?: string; end?: string } = {};
    if (opts.startDate !== undefined) dates.start = opts.startDate;
    if (opts.endDate !== undefined) dates.end = opts.endDate;
    await this.sign(ca, keyFile, certFile, subject, extensions, dates);
    return this.load(name, certFile, keyFile);
  }

  /** Marks a certificate revoked in the CA's database. */
  async revoke(ca: Ca, cert: Issued): Promise<void> {
    await this.openssl(['ca', '-batch', '-config', ca.config, '-revoke', cert.certFile]);
  }

  /** The CA's current CRL, PEM. */
  async crl(ca: Ca): Promise<string> {
    const out = join(ca.dir, `crl-${this.counter++}.pem`);
    await this.openssl(['ca', '-batch', '-config', ca.config, '-gencrl', '-out', out]);
    return readFile(out, 'utf8');
  }

  async cleanup(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** An openssl date string for `d` (YYYYMMDDHHMMSSZ). */
export const toOpensslDate = opensslDate;
