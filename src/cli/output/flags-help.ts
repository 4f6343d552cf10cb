/**
 * The flags part of a command's help, as vault's FlagSets.Help prints it.
 */
import type { FlagGroup, FlagKind } from '../../helper/go/flags.js';
import { wrapAtLength } from './go-text.js';

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
