import type { ValidationError } from 'joi';
import { VaultError } from '../helper/errors.js';

/** One thing wrong with the configuration: where it is and what is wrong. */
export interface ConfigProblem {
  /** The file (as given on the command line), "environment" or "-dev". */
  readonly file: string;
  /** "listener.tcp[0].tls_disable: must be a boolean", 'unknown key "stroage"', ... */
  readonly message: string;
}

/**
 * The configuration cannot be used. The message has one line per problem, each naming the file
 * and the key path, e.g. `config.hcl: listener.tcp[0].tls_disable: must be a boolean`. The server
 * refuses to start; `problems` lists them for callers that want to present them differently.
 */
export class ConfigError extends VaultError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options?: ErrorOptions) {
    super(400, problems.map((p) => `${p.file}: ${p.message}`).join('\n'), true, options);
    this.problems = problems;
  }
}

/** Renders a key path: `['listener', 'tcp', 0, 'address']` → `listener.tcp[0].address`. */
export function formatKeyPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/** Joins a prefix such as `storage.consul` and a relative path. */
export function joinKeyPath(prefix: string, path: readonly (string | number)[]): string {
  const rest = formatKeyPath(path);
  if (prefix === '') return rest;
  if (rest === '') return prefix;
  return rest.startsWith('[') ? `${prefix}${rest}` : `${prefix}.${rest}`;
}

/** The closest known key within edit distance 2, to suggest for a typo. */
export function suggestKey(unknown: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(unknown.toLowerCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

/**
 * Turns a joi ValidationError on a block body into problems. `prefix` locates the body in the
 * file (`listener.tcp[0]`); `knownKeys` feeds the "did you mean" hint for unknown keys.
 */
export function joiProblems(
  error: ValidationError,
  file: string,
  prefix: string,
  knownKeys: readonly string[],
): ConfigProblem[] {
  return error.details.map((detail) => {
    const where = joinKeyPath(prefix, detail.path);
    if (detail.type === 'object.unknown') {
      const key = String(detail.path[detail.path.length - 1] ?? detail.context?.key ?? '');
      const parent = joinKeyPath(prefix, detail.path.slice(0, -1));
      const hint = detail.path.length === 1 ? suggestKey(key, knownKeys) : undefined;
      const location = parent === '' ? '' : ` in ${parent}`;
      const suggestion = hint === undefined ? '' : `; did you mean "${hint}"?`;
      return { file, message: `unknown key "${key}"${location}${suggestion}` };
    }
    const label = detail.context?.label;
    let text = detail.message;
    if (label !== undefined && text.startsWith(`${label} `)) text = text.slice(label.length + 1);
    return { file, message: where === '' ? text : `${where}: ${text}` };
  });
}

/**
 * Rewrites parseHcl's message into "line L, column C: what". hcl2json says
 * "failed to parse FILE:L,C-C: Summary; Detail."; JSON.parse says "… at position N" (Node 20
 * gives no position for an unexpected token: the message then stays without a line).
 */
export function syntaxMessage(raw: string, file: string, text: string): string {
  const hclPrefix = `failed to parse ${file}:`;
  if (raw.startsWith(hclPrefix)) {
    const m = /^(\d+),(\d+)(?:-[\d,]+)?: ([\s\S]*)$/.exec(raw.slice(hclPrefix.length));
    if (m !== null) return `line ${m[1] ?? '?'}, column ${m[2] ?? '?'}: invalid HCL: ${m[3] ?? ''}`;
    return `invalid HCL: ${raw.slice(hclPrefix.length)}`;
  }
  const jsonPrefix = `${file}: `;
  const detail = (raw.startsWith(jsonPrefix) ? raw.slice(jsonPrefix.length) : raw).replace(/\n/g, '\\n');
  const position =
    /at position (\d+)/.exec(detail)?.[1] ?? (detail.includes('end of JSON input') ? text.length : undefined);
  if (position === undefined) return detail;
  const before = text.slice(0, Number(position));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `line ${line}, column ${column}: ${detail}`;
}

/** "no such file or directory" rather than "ENOENT: no such file or directory, stat '/x'". */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const known = FS_ERRORS[code];
  if (known !== undefined) return known;
  return err instanceof Error ? err.message : String(err);
}

const FS_ERRORS: Readonly<Partial<Record<string, string>>> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'not a regular file',
  ENOTFILE: 'not a regular file',
};
