/**
 * `tresor status`: seal status merged with leader status, printed as vault prints it. Exits 0 when
 * unsealed, 2 when sealed, 1 on error. Also the seal-status output shared by `operator unseal`.
 */
import type { ApiClient } from '../client/api-client.js';
import { HTTP_FLAGS } from '../client/http-flags.js';
import { leader, sealStatus } from '../client/sys-api.js';
import { attempt, defineCommand } from '../command.js';
import { outputData } from '../output/format.js';
import { GoStruct, omitEmpty } from '../output/go-json.js';
import { tableOutput } from '../output/go-text.js';
import type { Ui } from '../output/io.js';
import { outputFlags } from '../output/output-flags.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

const s = (v: unknown): string => (typeof v === 'string' ? v : '');
const n = (v: unknown): number => (typeof v === 'number' ? v : 0);
const b = (v: unknown): boolean => v === true;

/** vault's SealStatusOutput: seal-status fields, then the leader fields, in Go's field order. */
export function sealStatusOutput(st: Record<string, unknown>, ld: Record<string, unknown>): GoStruct {
  const warnings = Array.isArray(st.warnings) ? (st.warnings as unknown[]).map(String) : [];
  return new GoStruct([
    ['type', s(st.type)],
    ['initialized', b(st.initialized)],
    ['sealed', b(st.sealed)],
    ['t', n(st.t)],
    ['n', n(st.n)],
    ['progress', n(st.progress)],
    ['nonce', s(st.nonce)],
    ['version', s(st.version)],
    ['build_date', s(st.build_date)],
    ['migration', b(st.migration)],
    ['cluster_name', omitEmpty(s(st.cluster_name))],
    ['cluster_id', omitEmpty(s(st.cluster_id))],
    ['recovery_seal', b(st.recovery_seal)],
    ['recovery_seal_type', omitEmpty(s(st.recovery_seal_type))],
    ['storage_type', omitEmpty(s(st.storage_type))],
    ['hcp_link_status', omitEmpty(s(st.hcp_link_status))],
    ['hcp_link_resource_ID', omitEmpty(s(st.hcp_link_resource_ID))],
    [
      'removed_from_cluster',
      typeof st.removed_from_cluster === 'boolean' ? st.removed_from_cluster : undefined,
    ],
    ['warnings', omitEmpty(warnings)],
    ['ha_enabled', b(ld.ha_enabled)],
    ['is_self', omitEmpty(b(ld.is_self))],
    ['active_time', s(ld.active_time) === '' ? ZERO_TIME : s(ld.active_time)],
    ['leader_address', omitEmpty(s(ld.leader_address))],
    ['leader_cluster_address', omitEmpty(s(ld.leader_cluster_address))],
    ['performance_standby', omitEmpty(b(ld.performance_standby))],
    ['performance_standby_last_remote_wal', omitEmpty(n(ld.performance_standby_last_remote_wal))],
    ['last_wal', omitEmpty(n(ld.last_wal))],
    ['raft_committed_index', omitEmpty(n(ld.raft_committed_index))],
    ['raft_applied_index', omitEmpty(n(ld.raft_applied_index))],
  ]);
}

function isZeroTime(text: string): boolean {
  return text === '' || text.startsWith('0001-01-01T00:00:00');
}

/** The `Key | Value` rows vault's table formatter prints for a SealStatusOutput. */
export function sealStatusRows(out: GoStruct): string[] {
  const f = (name: string): unknown => out.get(name);
  const prefix = f('recovery_seal') === true ? 'Recovery ' : '';
  const sealed = f('sealed') === true;
  const rows = [
    'Key | Value',
    `${prefix}Seal Type | ${s(f('type'))}`,
    `Initialized | ${String(b(f('initialized')))}`,
    `Sealed | ${String(sealed)}`,
    `Total ${prefix}Shares | ${n(f('n'))}`,
    `Threshold | ${n(f('t'))}`,
  ];
  if (sealed) {
    rows.push(`Unseal Progress | ${n(f('progress'))}/${n(f('t'))}`, `Unseal Nonce | ${s(f('nonce'))}`);
  }
  if (b(f('migration'))) rows.push('Seal Migration in Progress | true');
  rows.push(
    `Version | ${s(f('version'))}`,
    `Build Date | ${s(f('build_date'))}`,
    `Storage Type | ${s(f('storage_type'))}`,
  );
  if (s(f('cluster_name')) !== '' && s(f('cluster_id')) !== '') {
    rows.push(`Cluster Name | ${s(f('cluster_name'))}`, `Cluster ID | ${s(f('cluster_id'))}`);
  }
  if (s(f('hcp_link_status')) !== '') {
    rows.push(
      `HCP Link Status | ${s(f('hcp_link_status'))}`,
      `HCP Link Resource ID | ${s(f('hcp_link_resource_ID'))}`,
    );
  }
  const ha = b(f('ha_enabled'));
  rows.push(`HA Enabled | ${String(ha)}`);
  if (ha && !sealed) {
    const isSelf = b(f('is_self'));
    rows.push(`HA Cluster | ${s(f('leader_cluster_address'))}`);
    const perf = b(f('performance_standby'));
    rows.push(`HA Mode | ${isSelf ? 'active' : perf ? 'perf-standby' : 'standby'}`);
    const activeTime = s(f('active_time'));
    if (isSelf && !isZeroTime(activeTime)) rows.push(`Active Since | ${activeTime}`);
    if (!isSelf)
      rows.push(`Active Node Address | ${s(f('leader_address')) === '' ? '<none>' : s(f('leader_address'))}`);
    if (perf) {
      rows.push('Performance Standby Node | true');
      rows.push(`Performance Standby Last Remote WAL | ${n(f('performance_standby_last_remote_wal'))}`);
    }
  }
  if (n(f('raft_committed_index')) > 0) rows.push(`Raft Committed Index | ${n(f('raft_committed_index'))}`);
  if (n(f('raft_applied_index')) > 0) rows.push(`Raft Applied Index | ${n(f('raft_applied_index'))}`);
  if (n(f('last_wal')) !== 0) rows.push(`Last WAL | ${n(f('last_wal'))}`);
  const warnings = f('warnings');
  if (Array.isArray(warnings) && warnings.length > 0)
    rows.push(`Warnings | [${warnings.map(String).join(' ')}]`);
  return rows;
}

/**
 * vault's OutputSealStatus: asks for sys/leader (a "Vault is sealed" error there means HA is on
 * and this node is sealed) and prints the merged status. Returns 0, or 1 on a leader error.
 */
export async function outputSealStatus(
  ui: Ui,
  client: ApiClient,
  status: Record<string, unknown>,
): Promise<number> {
  let leaderStatus: Record<string, unknown>;
  try {
    leaderStatus = await leader(client);
  } catch (err) {
    if (!(err as Error).message.includes('Vault is sealed')) {
      ui.error(`Error checking leader status: ${(err as Error).message}`);
      return 1;
    }
    leaderStatus = { ha_enabled: true };
  }
  const out = sealStatusOutput(status, leaderStatus);
  if (ui.format === 'table') {
    ui.output(tableOutput(sealStatusRows(out)));
    return 0;
  }
  return outputData(ui, out);
}

/** `status`. */
export const statusCommand = defineCommand({
  name: 'status',
  synopsis: 'Print seal and HA status',
  help: `Usage: tresor status [options]

  Prints the current state of Vault including whether it is sealed and if HA
  mode is enabled. This command prints regardless of whether the Vault is
  sealed.

  The exit code reflects the seal status:

      - 0 - unsealed
      - 1 - error
      - 2 - sealed

      $ tresor status`,
  flags: [HTTP_FLAGS, outputFlags()],
  args: [0, 0],
  clientExitCode: 1,
  async run({ ui, client }) {
    const api = client();
    const status = await attempt('Error checking seal status', () => sealStatus(api), 1);
    const code = await outputSealStatus(ui, api, status);
    return status.sealed === true ? 2 : code;
  },
});
