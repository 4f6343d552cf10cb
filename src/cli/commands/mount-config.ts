/**
 * The mount configuration `secrets` and `auth` share: the mount flags, the request bodies (Go's MountInput and
 * MountConfigInput), the JSON shape of listed mounts (MountOutput) and the list tables.
 */
import { goDuration } from '../../helper/go/duration.js';
import type { FlagSpec, FlagValues } from '../../helper/go/flags.js';
import { isObject } from '../client/secret.js';
import { GoStruct, omitEmpty } from '../output/go-json.js';
import { goValue } from '../output/go-text.js';

/** Flags common to `secrets enable`/`auth enable`/`… tune`. */
export const MOUNT_CONFIG_FLAGS: readonly FlagSpec[] = [
  { name: 'description', kind: 'string', usage: 'Human-friendly description for the purpose of this mount.' },
  {
    name: 'default-lease-ttl',
    kind: 'duration',
    usage:
      "The default lease TTL for this mount. If unspecified, this defaults to the Vault server's globally configured default lease TTL.",
  },
  {
    name: 'max-lease-ttl',
    kind: 'duration',
    usage:
      "The maximum lease TTL for this mount. If unspecified, this defaults to the Vault server's globally configured maximum lease TTL.",
  },
  {
    name: 'audit-non-hmac-request-keys',
    kind: 'strings',
    usage:
      "Key that will not be HMAC'd by audit devices in the request data object. To specify multiple values, specify this flag multiple times.",
  },
  {
    name: 'audit-non-hmac-response-keys',
    kind: 'strings',
    usage:
      "Key that will not be HMAC'd by audit devices in the response data object. To specify multiple values, specify this flag multiple times.",
  },
  {
    name: 'listing-visibility',
    kind: 'string',
    usage: 'Determines the visibility of the mount in the UI-specific listing endpoint.',
  },
  {
    name: 'passthrough-request-headers',
    kind: 'strings',
    usage:
      'Request header value that will be sent to the plugin. To specify multiple values, specify this flag multiple times.',
  },
  {
    name: 'allowed-response-headers',
    kind: 'strings',
    usage:
      'Response header value that plugins will be allowed to set. To specify multiple values, specify this flag multiple times.',
  },
  {
    name: 'options',
    kind: 'map',
    usage:
      'Key-value pair provided as key=value for the mount options. This can be specified multiple times.',
  },
  {
    name: 'version',
    kind: 'int',
    usage: 'Select the version of the engine to run. Not supported by all engines.',
  },
  { name: 'plugin-version', kind: 'string', usage: 'Select the semantic version of the plugin to enable.' },
];

/** Only the flags given on the command line go into the config (vault's f.Visit). */
function visited(flags: FlagValues, config: Record<string, unknown>): void {
  const lists: [string, string][] = [
    ['audit-non-hmac-request-keys', 'audit_non_hmac_request_keys'],
    ['audit-non-hmac-response-keys', 'audit_non_hmac_response_keys'],
    ['passthrough-request-headers', 'passthrough_request_headers'],
    ['allowed-response-headers', 'allowed_response_headers'],
  ];
  for (const [flag, key] of lists) if (flags.isSet(flag)) config[key] = flags.strings(flag);
  if (flags.isSet('listing-visibility')) config.listing_visibility = flags.string('listing-visibility');
  if (flags.isSet('token-type')) config.token_type = flags.string('token-type');
  if (flags.isSet('plugin-version')) config.plugin_version = flags.string('plugin-version');
}

/** The mount options, with -version folded in as options.version. */
export function mountOptions(flags: FlagValues): Record<string, string> | null {
  const options = { ...flags.map('options') };
  if (flags.int('version') > 0) options.version = String(flags.int('version'));
  return Object.keys(options).length > 0 ? options : null;
}

/** Go's MountInput for `secrets enable` / `auth enable`. */
export function mountInput(flags: FlagValues, type: string): Record<string, unknown> {
  const config: Record<string, unknown> = {
    options: null,
    default_lease_ttl: goDuration(flags.duration('default-lease-ttl')),
    max_lease_ttl: goDuration(flags.duration('max-lease-ttl')),
    force_no_cache: flags.bool('force-no-cache'),
  };
  visited(flags, config);
  return {
    type,
    description: flags.string('description'),
    config,
    local: flags.bool('local'),
    seal_wrap: flags.bool('seal-wrap'),
    external_entropy_access: flags.bool('external-entropy-access'),
    options: mountOptions(flags),
  };
}

/** vault's ttlToAPI: 0 → "" (unchanged), negative → "system", else a Go duration. */
function ttlToApi(seconds: number): string {
  if (seconds === 0) return '';
  return seconds < 0 ? 'system' : goDuration(seconds);
}

/** Go's MountConfigInput for `… tune`. */
export function tuneInput(flags: FlagValues): Record<string, unknown> {
  const config: Record<string, unknown> = {
    options: null,
    default_lease_ttl: ttlToApi(flags.duration('default-lease-ttl')),
    max_lease_ttl: ttlToApi(flags.duration('max-lease-ttl')),
    force_no_cache: false,
  };
  if (flags.isSet('description')) config.description = flags.string('description');
  if (flags.isSet('options') || flags.isSet('version')) config.options = mountOptions(flags);
  visited(flags, config);
  return config;
}

const s = (v: unknown): string => (typeof v === 'string' ? v : '');
const n = (v: unknown): number => (typeof v === 'number' ? v : 0);
const b = (v: unknown): boolean => v === true;
const list = (v: unknown): unknown => omitEmpty(Array.isArray(v) ? v : null);

/** One mount as Go's MountOutput marshals it. */
function mountOutput(m: Record<string, unknown>): GoStruct {
  const c = isObject(m.config) ? m.config : {};
  return new GoStruct([
    ['uuid', s(m.uuid)],
    ['type', s(m.type)],
    ['description', s(m.description)],
    ['accessor', s(m.accessor)],
    [
      'config',
      new GoStruct([
        ['default_lease_ttl', n(c.default_lease_ttl)],
        ['max_lease_ttl', n(c.max_lease_ttl)],
        ['force_no_cache', b(c.force_no_cache)],
        ['audit_non_hmac_request_keys', list(c.audit_non_hmac_request_keys)],
        ['audit_non_hmac_response_keys', list(c.audit_non_hmac_response_keys)],
        ['listing_visibility', omitEmpty(s(c.listing_visibility))],
        ['passthrough_request_headers', list(c.passthrough_request_headers)],
        ['allowed_response_headers', list(c.allowed_response_headers)],
        ['token_type', omitEmpty(s(c.token_type))],
        ['allowed_managed_keys', list(c.allowed_managed_keys)],
        ['user_lockout_config', isObject(c.user_lockout_config) ? c.user_lockout_config : undefined],
        ['plugin_name', omitEmpty(s(c.plugin_name))],
      ]),
    ],
    ['options', isObject(m.options) ? m.options : null],
    ['local', b(m.local)],
    ['seal_wrap', b(m.seal_wrap)],
    ['external_entropy_access', b(m.external_entropy_access)],
    ['plugin_version', s(m.plugin_version)],
    ['running_plugin_version', s(m.running_plugin_version)],
    ['running_sha256', s(m.running_sha256)],
    ['deprecation_status', s(m.deprecation_status)],
  ]);
}

/** The mounts of a sys/mounts or sys/auth listing (entries whose value is a mount object). */
export function mountEntries(data: Record<string, unknown>): [string, Record<string, unknown>][] {
  return Object.entries(data)
    .filter(
      (entry): entry is [string, Record<string, unknown>] =>
        entry[0].endsWith('/') && isObject(entry[1]) && 'type' in entry[1],
    )
    .sort(([a], [b2]) => (a < b2 ? -1 : a > b2 ? 1 : 0));
}

/** `-format=json` of a listing: path → MountOutput. */
export function mountsJson(data: Record<string, unknown>): Record<string, GoStruct> {
  return Object.fromEntries(mountEntries(data).map(([path, m]) => [path, mountOutput(m)]));
}

/** The rows of `secrets list` / `auth list` tables (simple or -detailed). */
export function mountRows(
  data: Record<string, unknown>,
  kind: 'secrets' | 'auth',
  detailed: boolean,
): string[] {
  const entries = mountEntries(data);
  if (!detailed) {
    const header =
      kind === 'auth'
        ? 'Path | Type | Accessor | Description | Version'
        : 'Path | Type | Accessor | Description';
    return [
      header,
      ...entries.map(([path, m]) =>
        [
          path,
          s(m.type),
          s(m.accessor),
          s(m.description),
          ...(kind === 'auth' ? [s(m.plugin_version)] : []),
        ].join(' | '),
      ),
    ];
  }
  const ttl = (type: string, value: number): string =>
    type === 'system' || type === 'cubbyhole' ? '' : value !== 0 ? String(value) : 'system';
  const header =
    kind === 'auth'
      ? 'Path | Plugin | Accessor | Default TTL | Max TTL | Token Type | Replication | Seal Wrap | External Entropy Access | Options | Description | UUID | Version | Running Version | Running SHA256 | Deprecation Status'
      : 'Path | Plugin | Accessor | Default TTL | Max TTL | Force No Cache | Replication | Seal Wrap | External Entropy Access | Options | Description | UUID | Version | Running Version | Running SHA256 | Deprecation Status';
  return [
    header,
    ...entries.map(([path, m]) => {
      const c = isObject(m.config) ? m.config : {};
      const type = s(m.type);
      const plugin = type === 'plugin' ? s(c.plugin_name) : type;
      return [
        path,
        plugin,
        s(m.accessor),
        ttl(type, n(c.default_lease_ttl)),
        ttl(type, n(c.max_lease_ttl)),
        kind === 'auth' ? s(c.token_type) : String(b(c.force_no_cache)),
        b(m.local) ? 'local' : 'replicated',
        String(b(m.seal_wrap)),
        String(b(m.external_entropy_access)),
        goValue(isObject(m.options) ? m.options : {}),
        s(m.description),
        s(m.uuid),
        s(m.plugin_version),
        s(m.running_plugin_version),
        s(m.running_sha256),
        s(m.deprecation_status),
      ].join(' | ');
    }),
  ];
}
