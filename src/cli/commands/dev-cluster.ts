/**
 * `tresor dev-cluster [-nodes=3] [-base-port=8200] [-consul-bin=PATH] [-consul-port=8500]
 * [-consul-servers=1|3|5] [-consul-agents] [-dir=DIR] [-dns-port=8600] [-log-level=LEVEL]`: a local HA cluster on a real Consul for
 * development. The work is in src/cli/dev-cluster/run.ts; this file declares the command and its flags.
 */
import { FlagError, type FlagValues } from '../../helper/go/flags.js';
import { defineCommand } from '../command.js';
import type { DevClusterOptions } from '../dev-cluster/run.js';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'];
const MAX_NODES = 9;

function port(flags: FlagValues, name: string, min: number): number {
  const value = flags.int(name);
  if (value < min || value > 65535)
    throw new FlagError(`-${name} must be between ${min} and 65535, not ${value}`);
  return value;
}

/** Turns parsed flags into dev cluster options, or throws a FlagError naming the flag. */
export function devClusterOptions(flags: FlagValues): DevClusterOptions {
  const nodes = flags.int('nodes');
  if (nodes < 1 || nodes > MAX_NODES)
    throw new FlagError(`-nodes must be between 1 and ${MAX_NODES}, not ${nodes}`);
  const basePort = port(flags, 'base-port', 1);
  if (basePort + 10 * (nodes - 1) + 1 > 65535)
    throw new FlagError(`-base-port ${basePort} leaves no room for ${nodes} nodes`);
  const consulServers = flags.int('consul-servers');
  if (![1, 3, 5].includes(consulServers))
    throw new FlagError(
      `-consul-servers must be 1, 3 or 5 (a quorum needs an odd number), not ${consulServers}`,
    );
  const logLevel = flags.string('log-level').trim().toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) throw new FlagError(`unknown log level: ${flags.string('log-level')}`);
  return {
    nodes,
    basePort,
    consulBin: flags.string('consul-bin'),
    consulPort: port(flags, 'consul-port', 0),
    dir: flags.string('dir'),
    dnsPort: port(flags, 'dns-port', -1),
    logLevel,
    consulServers,
    consulAgents: flags.bool('consul-agents'),
  };
}

/** `dev-cluster`. */
export const devClusterCommand = defineCommand({
  name: 'dev-cluster',
  synopsis: 'Run a local HA cluster (Consul + tresor nodes + DNS) for development',
  help: `Usage: tresor dev-cluster [options]

  Starts a development cluster on this machine: a Consul dev agent, several
  tresor nodes on storage "consul" competing for the HA lock, and the DNS
  resolver when this build has it. The cluster is initialised with 5 key
  shares and a threshold of 3, every node is unsealed, kv version 2 is mounted
  at secret/, and every address is printed. The unseal keys and the root token
  are written to <dir>/cluster-keys.json (mode 0600) — for development only.

  Nodes listen on 127.0.0.1 at -base-port, -base-port + 10, -base-port + 20…
  Press Ctrl-C to stop: the nodes step down and deregister, then Consul stops,
  and the temporary files are removed (the -dir folder and its keys file stay).

  Start three nodes on 8200, 8210 and 8220:

      $ tresor dev-cluster

  Five nodes, keeping the keys file in ./.tresor-dev:

      $ tresor dev-cluster -nodes=5 -dir=.tresor-dev

  Three Consul servers and a client agent per node, as in production:

      $ tresor dev-cluster -consul-servers=3 -consul-agents`,
  flags: [
    {
      title: 'Command Options',
      flags: [
        {
          name: 'nodes',
          kind: 'int',
          default: 3,
          usage: `Number of tresor nodes to start (1 to ${MAX_NODES}).`,
        },
        {
          name: 'base-port',
          kind: 'int',
          default: 8200,
          usage:
            'API port of the first node; node N listens on base-port + 10 × (N - 1). Each node advertises port + 1 as its cluster address.',
        },
        {
          name: 'consul-bin',
          kind: 'string',
          env: 'CONSUL_BIN',
          usage:
            'Path to the consul binary. By default consul/ensure-consul.sh finds one (CONSUL_BIN, PATH, or a cached build, built on first use). This can also be specified via the CONSUL_BIN environment variable.',
        },
        {
          name: 'consul-port',
          kind: 'int',
          default: 8500,
          usage:
            "HTTP port of Consul's API and UI; a free port is used instead when it is busy (0 always picks a free one).",
        },
        {
          name: 'consul-servers',
          kind: 'int',
          default: 1,
          usage:
            'Number of Consul servers: 1 (a dev agent, state in memory) or 3 or 5 (servers with raft on disk that elect a leader, as in production; kill the leader to watch the cluster ride an election).',
        },
        {
          name: 'consul-agents',
          kind: 'bool',
          default: false,
          usage:
            "Start a Consul client agent for each node and point the node's storage at it, as in production (an agent on every host).",
        },
        {
          name: 'dir',
          kind: 'string',
          usage:
            'Folder for cluster-keys.json, created if needed and kept after the cluster stops. By default the keys file goes to a temporary folder that is removed at the end.',
        },
        {
          name: 'dns-port',
          kind: 'int',
          default: 8600,
          usage:
            'UDP and TCP port of the DNS resolver; a free port is used instead when it is busy (0 always picks a free one, -1 disables the resolver).',
        },
        {
          name: 'log-level',
          kind: 'string',
          default: 'info',
          usage:
            'Log level of the nodes: "trace", "debug", "info", "warn" or "error". Their logs are printed on stderr, each line prefixed with the node name.',
        },
      ],
    },
  ],
  args: [0, 0],
  async run({ ctx, flags }) {
    const options = devClusterOptions(flags);
    const { runDevCluster } = await import('../dev-cluster/run.js');
    return runDevCluster(options, ctx.io);
  },
});
