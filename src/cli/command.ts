/**
 * The command definition helper. A command is declared with defineCommand: its name, synopsis,
 * help, flags, the positional arguments it takes, and an async body that returns what to print
 * (or an exit code) and reports failures by throwing a CliError. The helper does the
 * rest as the vault CLI does: flag parsing with Go's messages, the trailing-flag warning, the
 * argument count check ("Not enough arguments (expected 1, got 0)"), building the API client on
 * first use, printing returned data in the chosen format, and the exit codes (1 for usage and
 * local errors, 2 for API errors unless the command says otherwise).
 */
import { FlagError, type FlagGroup, type FlagValues, parseFlags } from '../helper/go/flags.js';
import type { ApiClient } from './client/api-client.js';
import { newClient } from './client/new-client.js';
import type { Secret } from './client/secret.js';
import type { CommandContext } from './command-context.js';
import { type OutputValue, outputData, outputSecret } from './output/format.js';
import { type Ui, readAll } from './output/io.js';

export type { CommandContext } from './command-context.js';

/** The name the CLI goes by in messages and help. */
export const PROGRAM = 'tresor';

/** Returned by a command's run to have its help printed (exit code 1), as mitchellh/cli does. */
export const RUN_RESULT_HELP = -18511;

/** One command (or command group) of the CLI, as the dispatcher (cli.ts) sees it. */
export interface Command {
  /** Full name, words separated by spaces: "operator init". */
  readonly name: string;
  readonly synopsis: string;
  /** The usage and description, without the flags (they are appended from `flags`). */
  readonly help: string;
  readonly flags: readonly FlagGroup[];
  run(ctx: CommandContext, args: readonly string[]): Promise<number>;
}

/**
 * A failure a command reports: the message is printed on stderr and the command exits with
 * `exitCode`. A `secret` that came with the failure (a 404 that carried warnings) is printed
 * after the message.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
    readonly secret: Secret | null = null,
  ) {
    super(message);
  }
}

/** A usage problem (wrong arguments, conflicting flags, bad input): exit code 1. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 1);
  }
}

/**
 * Runs `fn`; whatever it throws becomes a CliError reading "<prefix>: <message>" (just the
 * message when `prefix` is "").
 */
export async function attempt<T>(prefix: string, fn: () => Promise<T>, exitCode = 2): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const message = (err as Error).message;
    throw new CliError(prefix === '' ? message : `${prefix}: ${message}`, exitCode);
  }
}

/** vault's "Not enough arguments"/"Too many arguments" message, or undefined when the count fits. */
export function argCountProblem(
  args: readonly string[],
  min: number,
  max: number,
  expected?: string,
): string | undefined {
  const want = expected ?? (min === max ? String(min) : `${min}-${max}`);
  if (args.length < min) return `Not enough arguments (expected ${want}, got ${args.length})`;
  if (args.length > max) return `Too many arguments (expected ${want}, got ${args.length})`;
  return undefined;
}

/**
 * The positional arguments a command takes: `[min, max]` (with the "expected" text of the message
 * when it is not "min" or "min-max"), or a check that returns the usage error to print.
 */
export type ArgRule =
  | readonly [min: number, max: number, expected?: string]
  | ((args: readonly string[], flags: FlagValues) => string | undefined);

/** What a command body is given. */
export interface CommandInput {
  readonly ctx: CommandContext;
  readonly ui: Ui;
  readonly flags: FlagValues;
  readonly args: readonly string[];
  /** The API client, built on first use; a failure ends the command with the client exit code. */
  readonly client: () => ApiClient;
  /** Everything on stdin (for `-` arguments). */
  readonly readStdin: () => Promise<string>;
}

/** What a body returns: data to print in the chosen format (exit 0, or 1 if it cannot be printed), or an exit code. */
export type CommandResult = number | OutputValue;

/** A command's declaration. */
export interface CommandSpec {
  readonly name: string;
  readonly synopsis: string;
  readonly help: string;
  readonly flags: readonly FlagGroup[];
  /** The positional arguments; unchecked when absent. */
  readonly args?: ArgRule;
  /** Print vault's warning about flags found after positional arguments (default true). */
  readonly flagWarnings?: boolean;
  /** Whether -format=raw is allowed (only `read`). */
  readonly allowRaw?: boolean;
  /** The exit code when the client cannot be built (default 2; `status` uses 1). */
  readonly clientExitCode?: number;
  run(input: CommandInput): Promise<CommandResult>;
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

function parseInput(spec: CommandSpec, ctx: CommandContext, argv: readonly string[]): CommandInput {
  const { flags, args } = parseFlags(spec.flags, argv, ctx.io.env);
  if (spec.flagWarnings !== false && ctx.ui.format === 'table') {
    const warning = trailingFlagWarning(args);
    if (warning !== '') ctx.ui.warn(warning);
  }
  if (ctx.ui.format === 'raw' && spec.allowRaw !== true) {
    throw new UsageError('This command does not support the -format=raw option.');
  }
  const rule = spec.args;
  const problem =
    rule === undefined
      ? undefined
      : typeof rule === 'function'
        ? rule(args, flags)
        : argCountProblem(args, rule[0], rule[1], rule[2]);
  if (problem !== undefined) throw new UsageError(problem);
  let client: ApiClient | undefined;
  return {
    ctx,
    ui: ctx.ui,
    flags,
    args,
    client: () => {
      if (client !== undefined) return client;
      try {
        client = newClient(ctx, flags);
      } catch (err) {
        throw new CliError((err as Error).message, spec.clientExitCode ?? 2);
      }
      return client;
    },
    readStdin: () => readAll(ctx.io.stdin),
  };
}

/** Prints a failure as vault does and returns its exit code; anything else is rethrown. */
function reportFailure(ui: Ui, err: unknown): number {
  if (err instanceof CliError) {
    ui.error(err.message);
    if (err.secret !== null) outputSecret(ui, err.secret);
    return err.exitCode;
  }
  if (err instanceof FlagError) {
    ui.error(err.message);
    return 1;
  }
  throw err;
}

/** Declares a command: see the top of this file. */
export function defineCommand(spec: CommandSpec): Command {
  return {
    name: spec.name,
    synopsis: spec.synopsis,
    help: spec.help,
    flags: spec.flags,
    async run(ctx, argv) {
      try {
        const result = await spec.run(parseInput(spec, ctx, argv));
        if (typeof result === 'number') return result;
        return outputData(ctx.ui, result);
      } catch (err) {
        return reportFailure(ctx.ui, err);
      }
    },
  };
}

/** Declares a command group ("kv", "operator"): run alone, it prints its help and exits 1. */
export function defineGroup(name: string, synopsis: string, help: string): Command {
  return { name, synopsis, help, flags: [], run: () => Promise.resolve(RUN_RESULT_HELP) };
}
