/**
 * kv v2 `config`: mount-wide settings applied to every key.
 *   GET  → { max_versions, cas_required, delete_version_after ("0s"; "-1s" when disabled) }
 *   POST { max_versions (0 ⇒ 10), cas_required, delete_version_after (<0 disables, 0 clears) } → 204
 */
import type { LogicalRequest, LogicalResponse, Storage } from '../../../../logical/types.js';
import type { PathSpec } from '../../../../framework/backend.js';
import type { FieldData } from '../../../../framework/field-data.js';
import { InvalidRequestError } from '../../../../helper/errors.js';
import { formatDuration, parseDurationSeconds } from '../../../../helper/duration.js';

const CONFIG_KEY = 'config';

/** The mount's kv v2 settings. */
export interface KvConfig {
  /** 0: the default (10). */
  maxVersions: number;
  casRequired: boolean;
  /** Seconds; 0: unset; -1: disabled for every key. */
  deleteVersionAfter: number;
}

/** Reads the mount's settings (defaults when never written). */
export async function readConfig(storage: Storage): Promise<KvConfig> {
  const raw = await storage.get(CONFIG_KEY);
  const stored = raw === undefined ? {} : (JSON.parse(raw.toString('utf8')) as Partial<KvConfig>);
  return {
    maxVersions: stored.maxVersions ?? 0,
    casRequired: stored.casRequired ?? false,
    deleteVersionAfter: stored.deleteVersionAfter ?? 0,
  };
}

/** Formats seconds as a Go time.Duration string, negative values included ("-1s"). */
export function formatSignedDuration(seconds: number): string {
  return seconds < 0 ? `-${formatDuration(-seconds)}` : formatDuration(seconds);
}

/** Parses a duration that may be negative ("-1s", -1): Vault's TypeSignedDurationSecond. */
function parseSignedDuration(raw: unknown): number {
  if (typeof raw === 'number') return Math.trunc(raw);
  if (typeof raw === 'string' && raw.trim().startsWith('-')) {
    return -parseDurationSeconds(raw.trim().slice(1), 'delete_version_after');
  }
  return parseDurationSeconds(raw, 'delete_version_after');
}

/** Validates max_versions: a non-negative integer. */
export function checkMaxVersions(value: number): number {
  if (value < 0)
    throw new InvalidRequestError('max_versions must be zero (the default) or a positive number of versions');
  return value;
}

async function readHandler(req: LogicalRequest): Promise<LogicalResponse> {
  const config = await readConfig(req.storage);
  return {
    data: {
      cas_required: config.casRequired,
      delete_version_after: formatSignedDuration(config.deleteVersionAfter),
      max_versions: config.maxVersions,
    },
  };
}

async function writeHandler(req: LogicalRequest, data: FieldData): Promise<undefined> {
  if (!data.has('max_versions') && !data.has('cas_required') && !data.has('delete_version_after'))
    return undefined;
  const config = await readConfig(req.storage);
  if (data.has('max_versions')) config.maxVersions = checkMaxVersions(data.int('max_versions'));
  if (data.has('cas_required')) config.casRequired = data.bool('cas_required');
  if (data.has('delete_version_after')) {
    const seconds = parseSignedDuration(data.value('delete_version_after'));
    config.deleteVersionAfter = seconds < 0 ? -1 : seconds;
  }
  await req.storage.put(CONFIG_KEY, Buffer.from(JSON.stringify(config), 'utf8'));
  return undefined;
}

/** The `config` path of a kv v2 mount. */
export const pathConfig: PathSpec = {
  pattern: '^config$',
  fields: {
    max_versions: {
      kind: 'int',
      description: 'The number of versions to keep for each key. Defaults to 10.',
    },
    cas_required: { kind: 'bool', description: 'If true, every write must carry the cas option.' },
    delete_version_after: {
      kind: 'any',
      description:
        'How long after creation a version is deleted. Negative disables it on every key; 0 clears it.',
    },
  },
  operations: { read: readHandler, update: writeHandler },
  synopsis: 'Configures settings for the versioned key-value store.',
};
