/**
 * `audit enable|disable|list`: audit devices (sys/audit), as the vault CLI's audit commands and
 * the Go client's Sys().EnableAuditWithOptions / DisableAudit / ListAudit do them.
 */
import type { ApiClient } from '../client/api-client.js';
import { HTTP_FLAGS } from '../client/http-flags.js';
import { isObject, parseSecret } from '../client/secret.js';
import { attempt, defineCommand, defineGroup } from '../command.js';
import { GoStruct } from '../output/go-json.js';
import { tableOutput } from '../output/go-text.js';
import { outputFlags } from '../output/output-flags.js';
import { parseArgsDataString } from './kv-args.js';
import { mountEntries } from './mount-config.js';
import { ensureTrailingSlash, sanitizePath } from './paths.js';

/** Go's api.EnableAuditOptions, in field order. */
export interface EnableAuditOptions {
  type: string;
  description: string;
  options: Record<string, string>;
  local: boolean;
}

/** PUT sys/audit/<path> (the client sends it without the trailing slash). */
async function enableAudit(client: ApiClient, path: string, input: EnableAuditOptions): Promise<void> {
  await client.request({ method: 'PUT', path: `sys/audit/${path}`, body: input });
}

/** DELETE sys/audit/<path>. */
async function disableAudit(client: ApiClient, path: string): Promise<void> {
  await client.request({ method: 'DELETE', path: `sys/audit/${path}` });
}

/** GET sys/audit → path → device. */
async function listAudit(client: ApiClient): Promise<Record<string, unknown>> {
  const response = await client.request({ method: 'GET', path: 'sys/audit' });
  const secret = parseSecret(response.body);
  if (secret?.data === null || secret === null) throw new Error('data from server response is empty');
  return secret.data;
}

const s = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A device's options as `k=v` words (sorted; Go's map order is random). */
function optionsText(options: unknown): string {
  if (!isObject(options)) return '';
  return Object.keys(options)
    .sort()
    .map((k) => `${k}=${s(options[k])}`)
    .join(' ');
}

/** The rows of the `audit list` table (simple or -detailed), header first. */
export function auditRows(data: Record<string, unknown>, detailed: boolean): string[] {
  const entries = mountEntries(data);
  if (!detailed) {
    return [
      'Path | Type | Description',
      ...entries.map(([, d]) => [s(d.path), s(d.type), s(d.description)].join(' | ')),
    ];
  }
  return [
    'Path | Type | Description | Replication | Options',
    ...entries.map(([path, d]) =>
      [
        path,
        s(d.type),
        s(d.description),
        d.local === true ? 'local' : 'replicated',
        optionsText(d.options),
      ].join(' | '),
    ),
  ];
}

/** `-format=json` of `audit list`: path → Go's api.Audit. */
export function auditsJson(data: Record<string, unknown>): Record<string, GoStruct> {
  return Object.fromEntries(
    mountEntries(data).map(([path, d]) => [
      path,
      new GoStruct([
        ['type', s(d.type)],
        ['description', s(d.description)],
        [
          'options',
          isObject(d.options)
            ? Object.fromEntries(Object.entries(d.options).map(([k, v]) => [k, s(v)]))
            : null,
        ],
        ['local', d.local === true],
        ['path', s(d.path)],
      ]),
    ]),
  );
}

/** `audit` (the group). */
export const auditCommand = defineGroup(
  'audit',
  'Interact with audit devices',
  `Usage: tresor audit <subcommand> [options] [args]

  This command groups subcommands for interacting with Vault's audit devices.
  Users can list, enable, and disable audit devices.

  *NOTE*: Once an audit device has been enabled, failure to audit could prevent
  Vault from servicing future requests. It is highly recommended that you enable
  multiple audit devices.

  List all enabled audit devices:

      $ tresor audit list

  Enable a new audit device "file";

       $ tresor audit enable file file_path=/var/log/audit.log

  Please see the individual subcommand help for detailed usage information.`,
);

/** `audit enable [-path=P] [-description=D] [-local] TYPE [K=V...]`. */
export const auditEnableCommand = defineCommand({
  name: 'audit enable',
  synopsis: 'Enables an audit device',
  help: `Usage: tresor audit enable [options] TYPE [CONFIG K=V...]

  Enables an audit device at a given path.

  This command enables an audit device of TYPE. Additional options for
  configuring the audit device can be specified after the type in the same
  format as the "tresor write" command in key/value pairs.

  For example, to configure the file audit device to write audit logs at the
  path "/var/log/audit.log":

      $ tresor audit enable file file_path=/var/log/audit.log`,
  flags: [
    HTTP_FLAGS,
    {
      title: 'Command Options',
      flags: [
        {
          name: 'description',
          kind: 'string',
          usage: 'Human-friendly description for the purpose of this audit device.',
        },
        {
          name: 'path',
          kind: 'string',
          usage:
            'Place where the audit device will be accessible. This must be unique across all audit devices. This defaults to the "type" of the audit device.',
        },
        {
          name: 'local',
          kind: 'bool',
          usage:
            'Mark the audit device as a local-only device. Local devices are not replicated or removed by replication.',
        },
      ],
    },
  ],
  args: (args) =>
    args.length < 1
      ? "Error enabling audit device: audit type missing. Valid types include 'file', 'socket' and 'syslog'."
      : undefined,
  async run({ ui, flags, args, client, readStdin }) {
    const type = (args[0] ?? '').trim();
    const path = ensureTrailingSlash(flags.string('path') !== '' ? flags.string('path') : type);
    const options = await attempt(
      'Failed to parse K=V data',
      () => parseArgsDataString(args.slice(1), readStdin),
      1,
    );
    const api = client();
    await attempt('Error enabling audit device', () =>
      enableAudit(api, path, {
        type,
        description: flags.string('description'),
        options,
        local: flags.bool('local'),
      }),
    );
    ui.output(`Success! Enabled the ${type} audit device at: ${path}`);
    return 0;
  },
});

/** `audit disable PATH`. */
export const auditDisableCommand = defineCommand({
  name: 'audit disable',
  synopsis: 'Disables an audit device',
  help: `Usage: tresor audit disable [options] PATH

  Disables an audit device. Once an audit device is disabled, no future audit
  logs are dispatched to it. The data associated with the audit device is not
  affected.

  The argument corresponds to the PATH of audit device, not the TYPE!

  Disable the audit device enabled at "file/":

      $ tresor audit disable file/`,
  flags: [HTTP_FLAGS],
  args: [1, 1],
  async run({ ui, args, client }) {
    const api = client();
    const path = ensureTrailingSlash(sanitizePath(args[0] ?? ''));
    await attempt('Error disabling audit device', () => disableAudit(api, path));
    ui.output(`Success! Disabled audit device (if it was enabled) at: ${path}`);
    return 0;
  },
});

/** `audit list [-detailed]`. */
export const auditListCommand = defineCommand({
  name: 'audit list',
  synopsis: 'Lists enabled audit devices',
  help: `Usage: tresor audit list [options]

  Lists the enabled audit devices in the Vault server. The output lists the
  enabled audit devices and the options for those devices.

  List all audit devices:

      $ tresor audit list

  List detailed output about the audit devices:

      $ tresor audit list -detailed`,
  flags: [
    HTTP_FLAGS,
    outputFlags(),
    {
      title: 'Command Options',
      flags: [
        {
          name: 'detailed',
          kind: 'bool',
          usage: 'Print detailed information such as options and replication status about each auth device.',
        },
      ],
    },
  ],
  args: [0, 0],
  async run({ ui, flags, client }) {
    const api = client();
    const audits = await attempt('Error listing audits', () => listAudit(api));
    if (ui.format !== 'table') return auditsJson(audits);
    const rows = auditRows(audits, flags.bool('detailed') || ui.detailed);
    if (rows.length === 1) {
      // vault prints this on stdout and exits 2
      ui.output('No audit devices are enabled.');
      return 2;
    }
    ui.output(tableOutput(rows));
    return 0;
  },
});
