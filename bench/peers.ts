/**
 * The servers bench/compare.ts measures, each started in its own process on durable storage and
 * initialised the way an operator would (sys/init with one share, unseal, kv v2 at secret/):
 *   - tresor on storage "file", or on storage "consul" against a one-server Consul that keeps its
 *     raft log on disk (`consul agent -server -bootstrap-expect=1`, not `-dev`);
 *   - the peer binary (OpenBao's `bao` or Vault's `vault`, from BAO_BIN / VAULT_BIN) on storage
 *     "file", or on integrated storage ("raft", one node).
 * TRESOR_CPU_PROF=DIR starts tresor with `--cpu-prof --cpu-prof-dir=DIR` (written when it stops).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapCluster, mountSecretKv, waitForRoles } from '../src/cluster/bootstrap.js';
import { startConsulAgent, type ConsulAgentProcess } from '../src/cluster/consul-agent.js';
import type { ManagedProcess } from '../src/cluster/managed-process.js';
import { startTresorServer } from '../src/cluster/tresor-node.js';
import { LOOPBACK, freeBasePort, freePorts } from '../src/helper/ports.js';
import { consulBinary } from '../test/helpers/consul.js';

/** Which storage a pair of rows compares: file against file, Consul against OpenBao's raft. */
export type StorageKind = 'file' | 'consul';

/** A server under measurement, initialised, unsealed, active, with kv v2 at secret/. */
export interface RunningServer {
  readonly label: string;
  readonly addr: string;
  readonly rootToken: string;
  stop(): Promise<void>;
}

/** The peer to compare with: `bao` or `vault`, from BAO_BIN or VAULT_BIN; undefined when neither is set. */
export function peerBinary(env: NodeJS.ProcessEnv = process.env): { name: string; bin: string } | undefined {
  if (env.BAO_BIN !== undefined && env.BAO_BIN !== '') return { name: 'OpenBao', bin: env.BAO_BIN };
  if (env.VAULT_BIN !== undefined && env.VAULT_BIN !== '') return { name: 'Vault', bin: env.VAULT_BIN };
  return undefined;
}

export const relay = (line: string): void => void process.stderr.write(`${line}\n`);

/** A one-server Consul that keeps its raft log on disk in `dir`, on a port none of `reserved`. */
export async function startDurableConsul(
  dir: string,
  reserved: readonly number[],
): Promise<ConsulAgentProcess> {
  const avoid = new Set(reserved);
  const [httpPort = 0] = await freePorts(1, false, avoid);
  return startConsulAgent({
    binary: await consulBinary(),
    httpPort,
    dataDir: join(dir, 'consul'),
    nodeName: 'bench',
    durable: true,
    reserved: avoid,
  });
}

async function initialise(label: string, addr: string): Promise<string> {
  const node = { name: label, addr };
  const init = await bootstrapCluster([node], { shares: 1, threshold: 1 });
  await waitForRoles([node], 60_000);
  await mountSecretKv(node, init.rootToken);
  return init.rootToken;
}

function listener(port: number): string {
  return `listener "tcp" {\n  address = "${LOOPBACK}:${port}"\n  tls_disable = true\n}\n`;
}

/** tresor on `kind` storage. */
export async function startTresor(kind: StorageKind): Promise<RunningServer> {
  const dir = await mkdtemp(join(tmpdir(), `tresor-bench-${kind}-`));
  const port = await freeBasePort([0, 1]);
  const addr = `http://${LOOPBACK}:${port}`;
  let consul: ManagedProcess | undefined;
  let storage = `storage "file" {\n  path = "${join(dir, 'data')}"\n}\n`;
  if (kind === 'consul') {
    const agent = await startDurableConsul(dir, [port, port + 1]);
    consul = agent.process;
    storage = `storage "consul" {\n  address = "${agent.httpAddr}"\n  path = "tresor/"\n}\n`;
  }
  const config = join(dir, 'config.hcl');
  await writeFile(
    config,
    `${storage}${listener(port)}api_addr = "${addr}"\ncluster_addr = "https://${LOOPBACK}:${port + 1}"\n`,
  );
  const prof = process.env.TRESOR_CPU_PROF;
  const server = await startTresorServer({
    name: `tresor-${kind}`,
    invocation: {
      command: process.execPath,
      args: [
        ...(prof === undefined || prof === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${prof}`]),
        '--import',
        'tsx',
        'src/main.ts',
      ],
    },
    args: [`-config=${config}`, '-log-level=error'],
    readyUrl: `${addr}/v1/sys/health`,
    env: process.env,
    relay,
  });
  const rootToken = await initialise(`tresor-${kind}`, addr);
  return {
    label: `tresor ${kind}`,
    addr,
    rootToken,
    async stop() {
      await server.stop('SIGTERM', 15_000);
      await consul?.stop('SIGTERM', 10_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The peer binary on "file" storage, or on one-node integrated storage for `consul`. */
export async function startPeer(bin: string, name: string, kind: StorageKind): Promise<RunningServer> {
  const dir = await mkdtemp(join(tmpdir(), `peer-bench-${kind}-`));
  const port = await freeBasePort([0, 1]);
  const addr = `http://${LOOPBACK}:${port}`;
  const storage =
    kind === 'file'
      ? `storage "file" {\n  path = "${join(dir, 'data')}"\n}\n`
      : `storage "raft" {\n  path = "${dir}"\n  node_id = "bench"\n}\n`;
  const config = join(dir, 'config.hcl');
  await writeFile(
    config,
    `${storage}${listener(port)}disable_mlock = true\napi_addr = "${addr}"\ncluster_addr = "https://${LOOPBACK}:${port + 1}"\nlog_level = "error"\n`,
  );
  const child = await startTresorServer({
    name,
    invocation: { command: bin, args: [] },
    args: [`-config=${config}`],
    readyUrl: `${addr}/v1/sys/health`,
    env: process.env,
    relay,
  });
  const rootToken = await initialise(name, addr);
  return {
    label: `${name} ${kind === 'file' ? 'file' : 'raft'}`,
    addr,
    rootToken,
    async stop() {
      await child.stop('SIGTERM', 15_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
