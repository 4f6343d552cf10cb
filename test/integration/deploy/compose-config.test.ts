import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliResult, REPO, runCommand } from '../../helpers/server-process.js';

// docker-compose.yml through compose-go (test/tools/compose-config), the loader the Docker
// Compose CLI is built on: the Compose specification's JSON schema, interpolation, normalisation
// and the consistency checks `docker compose config` runs. No Docker engine is needed.

/** An empty environment: nothing of this machine's may change what the file means. */
const BARE_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
const run = (file: string, args: string[], cwd = REPO): Promise<CliResult> =>
  runCommand(file, args, { cwd, env: BARE_ENV, timeoutMs: 600_000 });

interface Service {
  command?: string[] | null;
  depends_on?: Record<string, { condition: string; required: boolean }>;
  volumes?: { type: string; source: string; target: string; read_only?: boolean }[];
  networks?: Record<string, { ipv4_address?: string } | null>;
  ports?: { host_ip?: string; published?: string; target: number; protocol?: string }[];
  environment?: Record<string, string | null>;
}
interface Project {
  name: string;
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

describe('docker-compose.yml as `docker compose config` reads it (compose-go)', { timeout: 900_000 }, () => {
  let tool = '';
  let project: Project;
  let text = '';
  let scratch = '';
  const check = async (yaml: string): Promise<CliResult> => {
    const file = join(scratch, `compose-${Math.random().toString(36).slice(2)}.yml`);
    await writeFile(file, yaml);
    return run(tool, [file], scratch);
  };

  before(
    async () => {
      const built = await run('bash', [join(REPO, 'test/tools/compose-config/ensure.sh')]);
      assert.equal(built.code, 0, `building test/tools/compose-config: ${built.stderr}`);
      tool = built.stdout.trim();
      text = await readFile(join(REPO, 'docker-compose.yml'), 'utf8');
      const loaded = await run(tool, [join(REPO, 'docker-compose.yml')]);
      assert.equal(loaded.code, 0, `compose-go refuses docker-compose.yml:\n${loaded.stderr}`);
      project = JSON.parse(loaded.stdout) as Project;
      scratch = await mkdtemp(join(tmpdir(), 'tresor-compose-'));
    },
    { timeout: 900_000 },
  );

  it('accepts the file: schema, references and depends_on all valid', () => {
    assert.equal(project.name, 'tresor');
    assert.ok(Object.keys(project.services).length >= 14, Object.keys(project.services).join(' '));
  });

  it('gives every tresor node and the resolver a Consul client agent of its own, started healthy first', () => {
    for (const host of ['tresor1', 'tresor2', 'tresor3', 'dns']) {
      const node = project.services[host];
      const agent = project.services[`${host}-consul`];
      assert.ok(node !== undefined && agent !== undefined, `${host} and ${host}-consul are services`);
      const deps = node.depends_on ?? {};
      assert.deepEqual(deps[`${host}-consul`], { condition: 'service_healthy', required: true }, host);
      assert.deepEqual(agent.command, ['agent', `-node=${host}-consul`]);
      assert.ok(
        !(agent.volumes ?? []).some((v) => v.target === '/consul/config/server.hcl'),
        `${host}-consul is a client agent`,
      );
    }
  });

  it('resolves the bind mounts to files of this repository, read-only, and each agent to its own named volume', () => {
    const data = new Set<string>();
    for (const [name, s] of Object.entries(project.services)) {
      for (const v of s.volumes ?? []) {
        if (v.type === 'bind') {
          assert.ok(v.source.startsWith(REPO), `${name}: ${v.source} is inside the repository`);
          assert.equal(v.read_only, true, `${name}: ${v.source} is read-only`);
        } else {
          assert.equal(v.type, 'volume', `${name}: ${v.target}`);
          assert.ok(v.source in project.volumes, `${name}: volume ${v.source} is declared`);
          if (v.target === '/consul/data') data.add(v.source);
        }
      }
    }
    assert.equal(data.size, 7, `seven agents, seven data volumes: ${[...data].join(' ')}`);
  });

  it('publishes only on 127.0.0.1 after normalisation', () => {
    const published = Object.entries(project.services).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => ({ name, ip: p.host_ip, port: `${p.published ?? ''}/${p.protocol ?? ''}` })),
    );
    assert.ok(published.length >= 6);
    for (const p of published) assert.equal(p.ip, '127.0.0.1', `${p.name} ${p.port}`);
  });

  // The checker is only worth something if it refuses what docker compose would refuse.
  it('refuses a node that depends on an agent the file does not define', async () => {
    const broken = text.replace(/^ {2}tresor2-consul:$/m, '  tresor2-consul-renamed:');
    assert.notEqual(broken, text);
    const res = await check(broken);
    assert.equal(res.code, 1);
    // tresor2 and consul-acl-init both depend on it; compose-go names whichever it meets first.
    assert.match(
      res.stderr,
      /service "(tresor2|consul-acl-init)" depends on undefined service "tresor2-consul"/,
    );
  });

  it('refuses a key the Compose specification does not have', async () => {
    const broken = text.replace(/^ {4}healthcheck:$/m, '    helthcheck:');
    const res = await check(broken);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /helthcheck/);
  });

  it('refuses a named volume that is not declared', async () => {
    const broken = text.replace(/^ {2}consul2-data:$/m, '');
    assert.notEqual(broken, text);
    const res = await check(broken);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /undefined volume consul2-data/);
  });

  it('cleans up', async () => {
    await rm(scratch, { recursive: true, force: true });
  });
});
