/**
 * Go `flag`-package parsing as the vault CLI (and dns/main.ts) use it: `-name=value`,
 * `-name value`, `--name`, boolean `-name` / `-name=false`; parsing stops at the first positional
 * argument or at `--`, and a lone `-` is positional. Error messages are Go's, word for word.
 * Help text for these flags is printed by src/cli/output/flags-help.ts.
 */
import { parseGoDuration } from './duration.js';
import { parseGoBool } from './parse-bool.js';
import { parseGoInt } from './parse-int.js';

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
