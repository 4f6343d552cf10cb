import { InvalidRequestError } from '../../helper/errors.js';
import { parseHcl } from '../../helper/hcl.js';

/** True for a plain object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Policy text being parsed: knows its format (HCL or JSON), parses it, and finds lines for error messages. */
export class PolicySource {
  readonly json: boolean;

  constructor(
    readonly name: string,
    readonly text: string,
  ) {
    this.json = text.trimStart().startsWith('{');
  }

  error(message: string, line?: number): InvalidRequestError {
    return new InvalidRequestError(
      `failed to parse policy "${this.name}": ${line === undefined ? '' : `line ${line}: `}${message}`,
    );
  }

  parseJson(): Record<string, unknown> {
    let value: unknown;
    try {
      value = JSON.parse(this.text);
    } catch (err) {
      const message = (err as Error).message;
      const pos = /at position (\d+)/.exec(message)?.[1];
      const line = /\(line (\d+) column/.exec(message)?.[1];
      throw this.error(
        `invalid JSON: ${message}`,
        line !== undefined ? Number(line) : pos !== undefined ? this.lineAt(Number(pos)) : undefined,
      );
    }
    if (!isObject(value))
      throw this.error(
        'a JSON policy must be an object such as {"path": {"secret/*": {"capabilities": ["read"]}}}',
      );
    return value;
  }

  async parseHcl(): Promise<Record<string, unknown>> {
    try {
      return await parseHcl(this.text, 'policy.hcl');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const m = /^failed to parse policy\.hcl:(\d+),(\d+)(?:-\d+)?: ([\s\S]*)$/.exec(message);
      if (m === null) throw this.error(message.replace(/^failed to parse /, ''));
      throw this.error(`column ${m[2] ?? '?'}: ${m[3] ?? ''}`, Number(m[1]));
    }
  }

  /** Flattens the `path` value (HCL: pattern → [body…]; JSON: pattern → body | [body…], or a list of those maps). */
  *blocks(value: unknown): Generator<{ pattern: string; body: unknown; occurrence: number }> {
    if (value === undefined) return;
    const maps = Array.isArray(value) ? value : [value];
    const seen = new Map<string, number>();
    for (const map of maps) {
      if (!isObject(map))
        throw this.error(
          '"path" must be a block: path "secret/*" { capabilities = ["read"] }',
          this.lineOf('path', 0),
        );
      for (const [pattern, bodies] of Object.entries(map)) {
        for (const body of Array.isArray(bodies) ? (bodies as unknown[]) : [bodies]) {
          const occurrence = seen.get(pattern) ?? 0;
          seen.set(pattern, occurrence + 1);
          yield { pattern, body, occurrence };
        }
      }
    }
  }

  /** Offset of the nth `path "<pattern>"` (HCL) or `"<pattern>":` (JSON) in the text, and a ", line N" label. */
  locate(pattern: string, occurrence: number): { offset: number; label: string } {
    const quoted = escapeRegExp(JSON.stringify(pattern));
    const re = this.json
      ? new RegExp(`${quoted}\\s*:`, 'g')
      : new RegExp(`(?:^|\\n)[ \\t]*path[ \\t]+${quoted}`, 'g');
    let match: RegExpExecArray | null = null;
    for (let i = 0; i <= occurrence; i++) {
      match = re.exec(this.text);
      if (match === null) return { offset: -1, label: '' };
    }
    const offset = (match?.index ?? 0) + (match?.[0].startsWith('\n') === true ? 1 : 0);
    return { offset, label: `, line ${this.lineAt(offset)}` };
  }

  /** Line of the first `token` at or after `from` (a bare word matches whole, quoted or not); no token: the line of `from`. */
  lineOf(token: string | undefined, from: number): number | undefined {
    if (from < 0) return undefined;
    if (token === undefined) return this.lineAt(from);
    const escaped = escapeRegExp(token);
    const re = new RegExp(/^\w+$/.test(token) ? `(?<![\\w-])"?${escaped}"?(?![\\w-])` : escaped, 'g');
    re.lastIndex = from;
    const m = re.exec(this.text);
    return m === null ? undefined : this.lineAt(m.index);
  }

  lineAt(offset: number): number {
    let line = 1;
    for (let i = 0; i < offset && i < this.text.length; i++) if (this.text.charCodeAt(i) === 10) line++;
    return line;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
