/**
 * vault's Output Options: -format, and -field / -detailed on the commands that have them.
 */
import type { FlagGroup, FlagSpec } from '../../helper/go/flags.js';

const FORMAT_FLAG: FlagSpec = {
  name: 'format',
  kind: 'string',
  default: 'table',
  usage:
    'Print the output in the given format. Valid formats are "table" or "json". This can also be specified via the VAULT_FORMAT environment variable.',
};

const FIELD_FLAG: FlagSpec = {
  name: 'field',
  kind: 'string',
  usage:
    'Print only the field with the given name. Specifying this option will take precedence over other formatting directives. The result will not have a trailing newline making it ideal for piping to other processes.',
};

const DETAILED_FLAG: FlagSpec = {
  name: 'detailed',
  kind: 'bool',
  usage: 'Enables additional metadata during some operations.',
};

/** Vault's Output Options: -format, plus -field and/or -detailed where the command has them. */
export function outputFlags(opts: { field?: boolean; detailed?: boolean } = {}): FlagGroup {
  const flags = [FORMAT_FLAG];
  if (opts.field === true) flags.push(FIELD_FLAG);
  if (opts.detailed === true) flags.push(DETAILED_FLAG);
  return { title: 'Output Options', flags };
}
