/**
 * The top of the CLI, as vault's main and mitchellh/cli behave: `-format`/`-detailed` are found
 * anywhere in the arguments, nested commands are matched by their longest prefix ("kv metadata
 * get"), `-h`/`-help`/`--help` print help (stderr, exit 0), an unknown command prints the usage
 * (stderr, exit 127) and a group without a subcommand prints its help (exit 1).
 */
import { parseGoBool } from '../helper/go/parse-bool.js';
import type { TokenHelper } from './client/token-helper.js';
import { type Command, type CommandContext, PROGRAM, RUN_RESULT_HELP } from './command.js';
import { COMMANDS } from './commands/table.js';
import { flagsHelp } from './output/flags-help.js';
import { FORMATS } from './output/format.js';
import { type CliIo, Ui } from './output/io.js';

/** Options for tests. */
export interface RunOptions {
  readonly tokenHelper?: () => TokenHelper;
}

const COMMON = ['read', 'write', 'delete', 'list', 'login', 'agent', 'server', 'status', 'unwrap'];

/** vault's setupEnv: the global -format / -detailed flags, wherever they are, else VAULT_FORMAT. */
export function scanGlobals(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { format: string; detailed: boolean } {
  let format = '';
  let detailed: boolean | undefined;
  let nextIsFormat = false;
  for (const arg of args) {
    if (nextIsFormat) {
      nextIsFormat = false;
      format = arg;
      continue;
    }
    if (arg === '--') break;
    const m = /^--?(format|detailed)(?:=(.*))?$/.exec(arg);
    if (m === null) continue;
    if (m[1] === 'format') {
      if (m[2] === undefined) nextIsFormat = true;
      else format = m[2];
    } else {
      detailed = m[2] === undefined ? true : parseGoBool(m[2]) === true;
    }
  }
  if (format === '') format = env.VAULT_FORMAT ?? '';
  format = format.toLowerCase();
  if (format === '') format = 'table';
  detailed ??= parseGoBool(env.VAULT_DETAILED ?? '') === true;
  return { format, detailed };
}

/** The parts of the command line mitchellh/cli distinguishes. */
export interface CommandLine {
  readonly isHelp: boolean;
  readonly topFlags: readonly string[];
  readonly command: string;
  readonly args: readonly string[];
}

/** mitchellh/cli's argument processing with nested (space-separated) command names. */
export function processArgs(
  argv: readonly string[],
  commands: ReadonlyMap<string, Command> = COMMANDS,
): CommandLine {
  let isHelp = false;
  const topFlags: string[] = [];
  let command = '';
  let args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') break;
    if (arg === '-h' || arg === '-help' || arg === '--help') {
      isHelp = true;
      continue;
    }
    if (command !== '') continue;
    if (arg.startsWith('-')) {
      topFlags.push(arg);
      continue;
    }
    if (arg === '') continue;
    command = arg;
    let end = i;
    while (end < argv.length && !(argv[end] ?? '').includes(' ')) end++;
    for (let j = end; j > i; j--) {
      const candidate = argv.slice(i, j).join(' ');
      if (commands.has(candidate)) {
        command = candidate;
        i = j - 1;
        break;
      }
    }
    args = argv.slice(i + 1).filter((a) => a !== '-h' && a !== '-help' && a !== '--help');
  }
  return { isHelp, topFlags, command, args };
}

function commandList(names: readonly string[], commands: ReadonlyMap<string, Command>): string[] {
  const width = Math.max(0, ...names.map((n) => n.length)) + 6;
  return names.map((n) => `    ${n.padEnd(width)}${commands.get(n)?.synopsis ?? ''}`.trimEnd());
}

/** The top-level usage, as vault's groupedHelpFunc prints it. */
export function topLevelHelp(commands: ReadonlyMap<string, Command> = COMMANDS): string {
  const topLevel = [...commands.keys()].filter((n) => !n.includes(' '));
  const common = COMMON.filter((n) => commands.has(n));
  const other = topLevel.filter((n) => !COMMON.includes(n)).sort();
  return [
    `Usage: ${PROGRAM} <command> [args]`,
    '',
    'Common commands:',
    ...commandList(common, commands),
    '',
    'Other commands:',
    ...commandList(other, commands),
  ].join('\n');
}

/** A command's help: its text, its flags, and its direct subcommands. */
export function commandHelp(cmd: Command, commands: ReadonlyMap<string, Command> = COMMANDS): string {
  let text = cmd.help.trim();
  if (cmd.flags.length > 0) text += `\n\n${flagsHelp(cmd.flags)}`;
  const prefix = `${cmd.name} `;
  const subs = [...commands.keys()]
    .filter((n) => n.startsWith(prefix) && !n.slice(prefix.length).includes(' '))
    .sort()
    .map((n) => n.slice(prefix.length));
  if (subs.length > 0) {
    const width = Math.max(...subs.map((n) => n.length));
    text += `\n\nSubcommands:\n${subs.map((n) => `    ${n.padEnd(width)}    ${commands.get(prefix + n)?.synopsis ?? ''}`).join('\n')}`;
  }
  return text;
}

/** Runs the CLI and returns its exit code. */
export async function runCli(argv: readonly string[], io: CliIo, options: RunOptions = {}): Promise<number> {
  let args = [...argv];
  const { format, detailed } = scanGlobals(args, io.env);
  if (args.length === 1 && ['-v', '-version', '--version'].includes(args[0] ?? '')) args = ['version'];
  const ui = new Ui(io, format, detailed);
  if (!(FORMATS as readonly string[]).includes(format)) {
    ui.error(`Invalid output format: ${format}`);
    return 1;
  }
  const line = processArgs(args);
  if (line.isHelp && line.command === '') {
    io.stderr.write(`${topLevelHelp()}\n`);
    return 0;
  }
  const cmd = COMMANDS.get(line.command);
  if (cmd === undefined) {
    io.stderr.write(`${topLevelHelp()}\n`);
    return 127;
  }
  if (line.isHelp) {
    io.stderr.write(`${commandHelp(cmd)}\n`);
    return 0;
  }
  if (line.topFlags.length > 0) {
    io.stderr.write(
      'Invalid flags before the subcommand. If these flags are for\nthe subcommand, please put them after the subcommand.\n\n',
    );
    io.stderr.write(`${commandHelp(cmd)}\n`);
    return 1;
  }
  const ctx: CommandContext =
    options.tokenHelper === undefined ? { io, ui } : { io, ui, tokenHelper: options.tokenHelper };
  const code = await cmd.run(ctx, line.args);
  if (code === RUN_RESULT_HELP) {
    io.stderr.write(`${commandHelp(cmd)}\n`);
    return 1;
  }
  return code;
}
