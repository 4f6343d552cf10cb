import { InvalidRequestError } from './errors.js';

const UNITS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

/**
 * The longest duration accepted anywhere, in whole seconds: Go's time.Duration maximum
 * (2^63-1 ns, about 292 years), which is what Vault and its clients can represent. Every expiry
 * computed from such a duration stays a valid date.
 */
export const MAX_DURATION_SECONDS = 9_223_372_036;

/** A value quoted in an error message, shortened so that a huge input is not echoed back. */
function quoted(value: unknown): string {
  const text = String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function tooLong(field: string, value: unknown): InvalidRequestError {
  return new InvalidRequestError(
    `${field}: duration ${quoted(value)} is too long; the maximum is ${MAX_DURATION_SECONDS} seconds (${formatDuration(MAX_DURATION_SECONDS)})`,
  );
}

/**
 * Parses a Vault duration into whole seconds: an integer (seconds), a numeric string, or a Go
 * duration string such as "90s", "1h30m", "768h". Negative values, garbage and durations past
 * {@link MAX_DURATION_SECONDS} are rejected with a 400 naming the field.
 */
export function parseDurationSeconds(value: unknown, field = 'duration'): number {
  const seconds = parseSeconds(value, field);
  if (seconds > MAX_DURATION_SECONDS) throw tooLong(field, value);
  return Math.floor(seconds);
}

function parseSeconds(value: unknown, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0)
      throw new InvalidRequestError(`${field}: must be a non-negative number of seconds`);
    return value;
  }
  if (typeof value !== 'string')
    throw new InvalidRequestError(`${field}: expected a duration such as "30s" or "1h"`);
  const text = value.trim();
  if (text === '') return 0;
  if (/^\d+$/.test(text)) return Number.parseInt(text, 10);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number.parseFloat(m[1] ?? '0') * (UNITS[m[2] ?? 's'] ?? 1);
    consumed = re.lastIndex;
  }
  if (consumed !== text.length || consumed === 0) {
    throw new InvalidRequestError(
      `${field}: invalid duration ${quoted(value)}; use seconds or a value such as "30s", "5m", "768h"`,
    );
  }
  return total;
}

/** Parses a duration into milliseconds: a number (seconds, fractions allowed) or "250ms", "1.5s", "2m". */
export function parseDurationMs(value: unknown, field = 'duration'): number {
  const ms = parseMs(value, field);
  if (ms > MAX_DURATION_SECONDS * 1000) throw tooLong(field, value);
  return ms;
}

function parseMs(value: unknown, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0)
      throw new InvalidRequestError(`${field}: must be a non-negative number of seconds`);
    return Math.round(value * 1000);
  }
  if (typeof value !== 'string')
    throw new InvalidRequestError(`${field}: expected a duration such as "250ms" or "2s"`);
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number.parseFloat(text) * 1000);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number.parseFloat(m[1] ?? '0') * (UNITS[m[2] ?? 's'] ?? 1) * 1000;
    consumed = re.lastIndex;
  }
  if (consumed !== text.length || consumed === 0)
    throw new InvalidRequestError(`${field}: invalid duration ${quoted(value)}`);
  return Math.round(total);
}

/** Formats seconds the way Go prints a time.Duration ("768h0m0s", "30s", "0s"). */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
