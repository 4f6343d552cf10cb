/**
 * Go `flag`-package parsing as the vault CLI does it: `-name=value`, `-name value`, `--name`,
 * boolean `-name` / `-name=false`; parsing stops at the first positional argument or at `--`, and
 * a lone `-` is positional. Error messages are Go's, word for word.
 */
import { wrapAtLength } from './go-text.js';

/** The kinds of flag vault uses. */
export type FlagKind = 'string' | 'bool' | 'int' | 'duration' | 'strings' | 'map';

/** One flag: its name, aliases, kind, default, an environment variable that supplies a default. */
export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly usage: string;
  readonly aliases?: readonly string[];
  readonly default?: string | number | boolean;
  readonly env?: string;
  readonly hidden?: boolean;
}

/** A titled group of flags, printed together in help ("HTTP Options", "Command Options"). */
export interface FlagGroup {
  readonly title: string;
  readonly flags: readonly FlagSpec[];
}

/** A command-line error; the message is what vault prints. */
export class FlagError extends Error {}

/** Go's strconv.ParseBool. */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/** Go's strconv.ParseInt(s, 0, 64). */
export function parseGoInt(text: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]+|[0-9][0-9_]*)$/.exec(text);
  if (m === null) return undefined;
  const digits = (m[2] ?? '').replace(/_/g, '');
  let value: number;
  if (/^0[xX]/.test(digits)) value = Number.parseInt(digits.slice(2), 16);
  else if (/^0[bB]/.test(digits)) value = Number.parseInt(digits.slice(2), 2);
  else if (/^0[oO]/.test(digits)) value = Number.parseInt(digits.slice(2), 8);
  else if (digits.length > 1 && digits.startsWith('0')) value = Number.parseInt(digits.slice(1), 8);
  else value = Number.parseInt(digits, 10);
  return m[1] === '-' ? -value : value;
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
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

/**
 * parseutil.ParseDurationSecond as vault's duration flags use it: seconds as an integer, or a Go
 * duration ("90s", "1h30m", "1.5h", "7d"); "system" means -1 (use the system value).
 */
export function parseGoDuration(text: string): number {
  const input = text.trim();
  if (input === '') return 0;
  if (input === 'system') return -1;
  if (/^[+-]?\d+$/.test(input)) return Number.parseInt(input, 10);
  const m = /^([+-]?)((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h|d))+)$/.exec(input);
  if (m === null) throw new FlagError(`time: invalid duration "${text}"`);
  let total = 0;
  for (const part of (m[2] ?? '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/g)) {
    total += Number.parseFloat(part[1] ?? '0') * (DURATION_UNITS[part[2] ?? 's'] ?? 1);
  }
  return m[1] === '-' ? -total : total;
}

/** The parsed values of a command's flags, with defaults applied. */
export class FlagValues {
  private readonly values = new Map<string, unknown>();
  private readonly explicit = new Set<string>();

  /** @internal */
  assign(name: string, value: unknown, explicit: boolean): void {
    this.values.set(name, value);
    if (explicit) this.explicit.add(name);
  }

  /** @internal */
  raw(name: string): unknown {
    return this.values.get(name);
  }

  /** Whether the flag was given on the command line. */
  isSet(name: string): boolean {
    return this.explicit.has(name);
  }

  string(name: string): string {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : '';
  }

  bool(name: string): boolean {
    return this.values.get(name) === true;
  }

  int(name: string): number {
    const v = this.values.get(name);
    return typeof v === 'number' ? v : 0;
  }

  /** A duration in seconds (-1 for "system"). */
  duration(name: string): number {
    return this.int(name);
  }

  strings(name: string): string[] {
    const v = this.values.get(name);
    return Array.isArray(v) ? (v as string[]) : [];
  }

  map(name: string): Record<string, string> {
    const v = this.values.get(name);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, string>) : {};
  }
}

function convert(spec: FlagSpec, text: string, current: unknown): unknown {
  switch (spec.kind) {
    case 'string':
      return text;
    case 'bool': {
      const b = parseGoBool(text);
      if (b === undefined) throw new FlagError(`strconv.ParseBool: parsing "${text}": invalid syntax`);
      return b;
    }
    case 'int': {
      const n = parseGoInt(text);
      if (n === undefined) throw new FlagError(`strconv.ParseInt: parsing "${text}": invalid syntax`);
      return n;
    }
    case 'duration':
      return parseGoDuration(text);
    case 'strings':
      return [...(Array.isArray(current) ? (current as string[]) : []), text.trim()];
    case 'map': {
      const at = text.indexOf('=');
      if (at < 0) throw new FlagError(`missing = in KV pair: "${text}"`);
      const map = { ...(current as Record<string, string>) };
      map[text.slice(0, at)] = text.slice(at + 1);
      return map;
    }
  }
}

function defaultOf(spec: FlagSpec): unknown {
  switch (spec.kind) {
    case 'strings':
      return [];
    case 'map':
      return {};
    case 'bool':
      return spec.default ?? false;
    case 'int':
    case 'duration':
      return spec.default ?? 0;
    case 'string':
      return spec.default ?? '';
  }
}

/** The result of parsing: flag values and the positional arguments that follow them. */
export interface ParsedArgs {
  readonly flags: FlagValues;
  readonly args: string[];
}

/** Parses `argv` against the flag groups, as Go's flag.FlagSet.Parse does. */
export function parseFlags(
  groups: readonly FlagGroup[],
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedArgs {
  const byName = new Map<string, FlagSpec>();
  const flags = new FlagValues();
  for (const spec of groups.flatMap((g) => g.flags)) {
    byName.set(spec.name, spec);
    for (const alias of spec.aliases ?? []) byName.set(alias, spec);
    flags.assign(spec.name, defaultOf(spec), false);
    const fromEnv = spec.env === undefined ? undefined : env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      try {
        flags.assign(spec.name, convert(spec, fromEnv, flags.raw(spec.name)), false);
      } catch {
        // vault ignores an unparsable environment default
      }
    }
  }
  const args = [...argv];
  while (args.length > 0) {
    const s = args[0] ?? '';
    if (s.length < 2 || !s.startsWith('-')) break;
    let minuses = 1;
    if (s[1] === '-') {
      minuses = 2;
      if (s.length === 2) {
        args.shift();
        break;
      }
    }
    let name = s.slice(minuses);
    if (name === '' || name.startsWith('-') || name.startsWith('='))
      throw new FlagError(`bad flag syntax: ${s}`);
    args.shift();
    let value: string | undefined;
    const eq = name.indexOf('=', 1);
    if (eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = byName.get(name);
    if (spec === undefined) throw new FlagError(`flag provided but not defined: -${name}`);
    if (spec.kind === 'bool') {
      try {
        flags.assign(spec.name, convert(spec, value ?? 'true', undefined), true);
      } catch (err) {
        throw new FlagError(`invalid boolean value "${value ?? ''}" for -${name}: ${(err as Error).message}`);
      }
      continue;
    }
    if (value === undefined) {
      if (args.length === 0) throw new FlagError(`flag needs an argument: -${name}`);
      value = args.shift() ?? '';
    }
    try {
      flags.assign(spec.name, convert(spec, value, flags.raw(spec.name)), true);
    } catch (err) {
      throw new FlagError(`invalid value "${value}" for flag -${name}: ${(err as Error).message}`);
    }
  }
  return { flags, args };
}

/** Flags vault treats as global (found anywhere), which the trailing-flag warning ignores. */
const GLOBAL_FLAGS = ['format', 'detailed', 'output-curl-string', 'output-policy'];

/**
 * vault's generateFlagWarnings: positional arguments that look like flags were not parsed as
 * flags (Go stops at the first positional). Returns "" when there is nothing to say.
 */
export function trailingFlagWarning(args: readonly string[]): string {
  const trailing = args.filter((arg) => {
    if (!arg.startsWith('-') || arg === '-') return false;
    const name = arg.replace(/^-+/, '').split('=')[0] ?? '';
    return !GLOBAL_FLAGS.includes(name);
  });
  if (trailing.length === 0) return '';
  return (
    'Command flags must be provided before positional arguments. ' +
    `The following arguments will not be parsed as flags: [${trailing.join(',')}]`
  );
}

const EXAMPLES: Readonly<Record<FlagKind, string>> = {
  string: 'string',
  bool: '',
  int: 'int',
  duration: 'duration',
  strings: 'string',
  map: 'key=value',
};

/** The flags part of a command's help, as vault's FlagSets.Help prints it. */
export function flagsHelp(groups: readonly FlagGroup[]): string {
  const out: string[] = [];
  for (const group of groups) {
    out.push(`${group.title}:`, '');
    const specs = group.flags.filter((f) => f.hidden !== true).sort((a, b) => a.name.localeCompare(b.name));
    for (const spec of specs) {
      const example = EXAMPLES[spec.kind];
      out.push(example === '' ? `  -${spec.name}` : `  -${spec.name}=<${example}>`);
      out.push(wrapAtLength(spec.usage.replace(/\s+/g, ' '), 6), '');
    }
  }
  return out.join('\n').trimEnd();
}
