/**
 * What the dev cluster prints once it is up: the keys-file warning, every address (Consul API and
 * UI, each node with its role and pid, DNS), the root token, the environment to export, and the
 * "ready" line that scripts and tests wait for.
 */
import type { NodeRole } from '../../cluster/node-api.js';
import { SECRET_SHARES, SECRET_THRESHOLD } from './keys-file.js';

/** The line printed last when the cluster is up; scripts wait for it. */
export const READY_LINE = '==> tresor dev cluster is ready; press Ctrl-C to stop it';

/** What the banner shows. */
export interface BannerInfo {
  readonly consul: { readonly httpAddr: string; readonly pid: number; readonly moved: boolean };
  readonly nodes: readonly {
    readonly name: string;
    readonly addr: string;
    readonly pid: number;
    readonly role: NodeRole;
  }[];
  readonly dns:
    | { readonly udpPort: number; readonly tcpPort: number; readonly httpPort: number }
    | 'disabled'
    | 'unavailable';
  readonly keysFile: string;
  readonly keysKept: boolean;
  readonly rootToken: string;
  readonly storagePath: string;
  /** Folder of the nodes' config files (removed when the cluster stops). */
  readonly configDir: string;
}

function dnsLines(dns: BannerInfo['dns']): string[] {
  if (dns === 'disabled') return ['DNS:             disabled (-dns-port=-1)'];
  if (dns === 'unavailable')
    return ['DNS:             not available (this build has no dns/ resolver module)'];
  return [
    `DNS:             127.0.0.1:${dns.udpPort} (udp), 127.0.0.1:${dns.tcpPort} (tcp), status http://127.0.0.1:${dns.httpPort}`,
    `                   dig @127.0.0.1 -p ${dns.udpPort} active.vault.consul`,
  ];
}

/** The banner, ending with the ready line. */
export function banner(info: BannerInfo): string {
  const width = Math.max(...info.nodes.map((n) => n.name.length));
  const first = info.nodes[0];
  return [
    '',
    '==> tresor dev cluster',
    '',
    'WARNING! The unseal keys and the root token are written to',
    `    ${info.keysFile} (mode 0600)${info.keysKept ? '' : ', removed when the cluster stops'}.`,
    'This is for DEVELOPMENT ONLY: never store unseal keys next to a real cluster.',
    '',
    `Consul:          http://${info.consul.httpAddr} (UI: http://${info.consul.httpAddr}/ui/, pid ${info.consul.pid})${info.consul.moved ? ' — 8500 was busy' : ''}`,
    `Storage:         consul KV under ${info.storagePath}, HA lock ${info.storagePath}core/lock`,
    'Nodes:',
    ...info.nodes.map((n) => `    ${n.name.padEnd(width)}  ${n.addr}  ${n.role.padEnd(7)}  pid ${n.pid}`),
    `Node configs:    ${info.configDir}/<node>.hcl (removed when the cluster stops)`,
    ...dnsLines(info.dns),
    `Unseal keys:     ${SECRET_SHARES} shares, threshold ${SECRET_THRESHOLD} (in the keys file)`,
    `Root token:      ${info.rootToken}`,
    'kv version 2 is mounted at secret/. Any node serves requests (standbys forward to the active).',
    '',
    'To use the cluster from this shell:',
    '',
    `    $ export VAULT_ADDR='${first?.addr ?? ''}'`,
    `    $ export VAULT_TOKEN='${info.rootToken}'`,
    `    $ export CONSUL_HTTP_ADDR='${info.consul.httpAddr}'`,
    '',
    'Kill a node (kill -9 <pid>) to watch a standby take over; role changes are printed below.',
    'Restart it with `tresor server -config=<its config>` and unseal it with 3 keys of the keys file.',
    '',
    READY_LINE,
    '',
  ].join('\n');
}
