/**
 * Text helpers that reproduce what the vault CLI's Go code prints: `%v` and `%q` formatting,
 * vault's human durations, kr/text's minimum-raggedness word wrap, and columnize tables.
 */
import { goDuration } from '../../helper/go/duration.js';

/** The width of one line of help and messages (vault's maxLineLength). */
export const MAX_LINE_LENGTH = 78;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The number of code points in a string (Go measures widths in runes). */
export function runeLength(text: string): number {
  return text.length - (text.match(/[\uDC00-\uDFFF]/g)?.length ?? 0);
}

/** Go's `fmt.Sprintf("%v", v)` for values decoded from JSON (maps print with sorted keys). */
export function goValue(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (Array.isArray(value)) return `[${value.map(goValue).join(' ')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((k) => `${k}:${goValue(value[k])}`).join(' ')}]`;
  }
  return JSON.stringify(value);
}

/** Go's strconv.Quote (close enough for policy names and other printable text). */
export function goQuote(text: string): string {
  return JSON.stringify(text)
    .replace(/\\u000b/g, '\\v')
    .replace(/\\u00([0-1][0-9a-f])/g, '\\x$1')
    .replace(/\u007f/g, '\\x7f');
}

/** Go's `%q` of a []string: `["a" "b"]`, and `[]` for nil. */
export function goQuoteList(list: readonly string[] | null | undefined): string {
  return `[${(list ?? []).map(goQuote).join(' ')}]`;
}

/** vault's humanDuration: a Go duration string without the pesky zero units ("768h", "1h1s"). */
export function humanDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  let text = goDuration(seconds);
  if (text.endsWith('m0s')) text = text.slice(0, -2);
  const at = text.indexOf('h0m');
  if (at > 0) text = text.slice(0, at + 1) + text.slice(at + 3);
  return text;
}

/** vault's humanDurationInt: integers become human durations, anything else is left alone. */
export function humanDurationValue(value: unknown): unknown {
  if (typeof value === 'number' && Number.isInteger(value)) return humanDuration(value);
  return value;
}

/** vault's looksLikeDuration: keys whose integer values are printed as durations in tables. */
export function looksLikeDuration(key: string): boolean {
  return (
    key === 'period' ||
    key.endsWith('_period') ||
    key === 'ttl' ||
    key.endsWith('_ttl') ||
    key === 'duration' ||
    key.endsWith('_duration') ||
    key === 'lease_max' ||
    key === 'ttl_max'
  );
}

/**
 * kr/text's Wrap: newlines become spaces, then words are broken into lines of at most `limit`
 * code points with minimal raggedness (the last line is free).
 */
export function wrapText(text: string, limit: number): string {
  const words = text.trim().replace(/\n/g, ' ').split(' ');
  const n = words.length;
  const widths = words.map(runeLength);
  const cost = new Array<number>(n).fill(Number.MAX_SAFE_INTEGER);
  const breakAt = new Array<number>(n).fill(n);
  const lineLength = (from: number, to: number): number => {
    let total = 0;
    for (let k = from; k <= to; k++) total += widths[k] ?? 0;
    return total + (to - from);
  };
  for (let i = n - 1; i >= 0; i--) {
    if (lineLength(i, n - 1) <= limit || i === n - 1) {
      cost[i] = 0;
      breakAt[i] = n;
      continue;
    }
    for (let j = i + 1; j < n; j++) {
      const length = lineLength(i, j - 1);
      const d = limit - length;
      let c = d * d + (cost[j] ?? 0);
      if (length > limit) c += 100000;
      if (c < (cost[i] ?? Number.MAX_SAFE_INTEGER)) {
        cost[i] = c;
        breakAt[i] = j;
      }
    }
  }
  const lines: string[] = [];
  for (let i = 0; i < n;) {
    const next = breakAt[i] ?? n;
    lines.push(words.slice(i, next).join(' '));
    i = next;
  }
  return lines.join('\n');
}

/** vault's wrapAtLengthWithPadding: wraps at 78 columns minus the padding, then indents. */
export function wrapAtLength(text: string, pad = 0): string {
  return wrapText(text, MAX_LINE_LENGTH - pad)
    .split('\n')
    .map((line) => ' '.repeat(pad) + line)
    .join('\n');
}

/** Options of ryanuber/columnize as vault sets them. */
export interface ColumnOptions {
  readonly delim?: string;
  readonly glue?: string;
  readonly empty?: string;
}

/** ryanuber/columnize's Format: split lines on the delimiter, trim cells, align columns. */
export function columnize(lines: readonly string[], options: ColumnOptions = {}): string {
  const delim = options.delim ?? '|';
  const glue = options.glue ?? '  ';
  const empty = options.empty ?? '';
  const rows = lines.map((line) =>
    line.split(delim).map((cell) => {
      const value = cell.trim();
      return value === '' && empty !== '' ? empty : value;
    }),
  );
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, runeLength(cell));
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) =>
          i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - runeLength(cell)) + glue,
        )
        .join(''),
    )
    .join('\n');
}

/** vault's columnOutput: columns glued with four spaces, empty cells shown as "n/a". */
export function columnOutput(lines: readonly string[], delim = '|'): string {
  if (lines.length === 0) return '';
  return columnize(lines, { delim, glue: '    ', empty: 'n/a' });
}

/** vault's tableOutput: the first line is the header, underlined with dashes. */
export function tableOutput(lines: readonly string[], delim = '|'): string {
  const [header, ...rest] = lines;
  if (header === undefined) return '';
  const underline = header
    .split(delim)
    .map((h) => '-'.repeat(h.trim().length))
    .join(delim);
  return columnOutput([header, underline, ...rest], delim);
}
