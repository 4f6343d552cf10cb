/**
 * Go durations: parsing as vault's CLI flags do (parseutil.ParseDurationSecond over
 * time.ParseDuration, plus a `d` unit) and printing as time.Duration.String() does. The server's
 * stricter parser for request fields, which answers 400s, is src/helper/duration.ts.
 */

/** Seconds per unit of a Go duration string (both micro signs included, and vault's `d`). */
const UNITS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

/** A text that is not a duration; the message is Go's. */
export class DurationError extends Error {}

/**
 * Seconds as an integer, or a Go duration ("90s", "1h30m", "1.5h", "7d"); "" is 0 and "system"
 * means -1 (use the system value). Throws a DurationError with Go's message otherwise.
 */
export function parseGoDuration(text: string): number {
  const input = text.trim();
  if (input === '') return 0;
  if (input === 'system') return -1;
  if (/^[+-]?\d+$/.test(input)) return Number.parseInt(input, 10);
  const m = /^([+-]?)((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h|d))+)$/.exec(input);
  if (m === null) throw new DurationError(`time: invalid duration "${text}"`);
  let total = 0;
  for (const part of (m[2] ?? '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/g)) {
    total += Number.parseFloat(part[1] ?? '0') * (UNITS[part[2] ?? 's'] ?? 1);
  }
  return m[1] === '-' ? -total : total;
}

function trimFraction(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** Go's time.Duration.String() for a number of seconds ("768h0m0s", "1m30s", "0s", "1.5s", "500ms"). */
export function goDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const sign = seconds < 0 ? '-' : '';
  const abs = Math.abs(seconds);
  if (abs < 1) {
    const ms = abs * 1000;
    if (ms >= 1) return `${sign}${trimFraction(ms.toFixed(6))}ms`;
    return `${sign}${trimFraction((ms * 1000).toFixed(3))}µs`;
  }
  const hours = Math.floor(abs / 3600);
  const minutes = Math.floor((abs % 3600) / 60);
  const secs = trimFraction((abs % 60).toFixed(9));
  if (hours > 0) return `${sign}${hours}h${minutes}m${secs}s`;
  if (minutes > 0) return `${sign}${minutes}m${secs}s`;
  return `${sign}${secs}s`;
}
