/**
 * `operator init|unseal|seal|step-down|rotate|key-status`, with vault's flags, texts and exit codes.
 */
import type { ApiClient } from '../client/api-client.js';
import { HTTP_FLAGS } from '../client/http-flags.js';
import * as sys from '../client/sys-api.js';
import { type Command, CliError, attempt, defineCommand, defineGroup } from '../command.js';
import { printColumns } from '../output/format.js';
import { GoStruct } from '../output/go-json.js';
import { wrapAtLength } from '../output/go-text.js';
import { readSecret as promptSecret } from '../output/io.js';
import { outputFlags } from '../output/output-flags.js';
import { outputSealStatus } from './status.js';

/** `operator` (the group). */
export const operatorCommand = defineGroup(
  'operator',
  'Perform operator-specific tasks',
  `Usage: tresor operator <subcommand> [options] [args]

  This command groups subcommands for operators interacting with Vault. Most
  users will not need to interact with these commands.`,
);

/** `operator unseal [KEY]`. */
export const operatorUnsealCommand = defineCommand({
  name: 'operator unseal',
  synopsis: 'Unseals the server',
  help: `Usage: tresor operator unseal [options] [KEY]

  Provide a portion of the root key to unseal a Vault server. Vault starts
  in a sealed state. It cannot perform operations until it is unsealed. This
  command accepts a portion of the root key (an "unseal key").

  The unseal key can be supplied as an argument to the command, but this is
  not recommended as the unseal key will be available in your history:

      $ tresor operator unseal IXyR0OJnSFobekZMMCKCoVEpT7wI6l+USMzE3IcyDyo=

  Instead, run the command with no arguments and it will prompt for the key
  (when stdin is not a terminal, one line is read from it):

      $ tresor operator unseal
      Unseal Key (will be hidden):`,
  flags: [
    HTTP_FLAGS,
    outputFlags(),
    {
      title: 'Command Options',
      flags: [
        { name: 'reset', kind: 'bool', usage: 'Discard any previously entered keys to the unseal process.' },
        {
          name: 'migrate',
          kind: 'bool',
          usage:
            'Indicate that this share is provided with the intent that it is part of a seal migration process.',
        },
      ],
    },
  ],
  args: [0, 1, '1'],
  async run({ ctx, ui, flags, args, client }) {
    const api = client();
    let key = (args[0] ?? '').trim();
    const reset = flags.bool('reset');
    if (!reset && key === '') {
      try {
        key = (await promptSecret(ctx.io, 'Unseal Key (will be hidden): ', ctx.io.stdout)).trim();
      } catch (err) {
        throw new CliError(
          wrapAtLength(
            'An error occurred attempting to ask for an unseal key. The raw error message is shown below, ' +
              'but usually this is because you attempted to pipe a value into the unseal command or you are ' +
              'executing outside of a terminal (tty). You should run the unseal command from a terminal for ' +
              'maximum security. If this is not an option, the unseal key can be provided as the first ' +
              `argument to the unseal command. The raw error was:\n\n${(err as Error).message}`,
          ),
          1,
        );
      }
    }
    const status = await attempt(reset ? 'Error resetting unseal process' : 'Error unsealing', () =>
      reset
        ? sys.unseal(api, { key: '', reset: true, migrate: false })
        : sys.unseal(api, { key, reset: false, migrate: flags.bool('migrate') }),
    );
    return outputSealStatus(ui, api, status);
  },
});

function simpleOperator(
  name: string,
  synopsis: string,
  help: string,
  act: (client: ApiClient) => Promise<void>,
  failure: string,
  success: (client: ApiClient) => string,
): Command {
  return defineCommand({
    name,
    synopsis,
    help,
    flags: [HTTP_FLAGS],
    args: [0, 0],
    async run({ ui, client }) {
      const api = client();
      await attempt(failure, () => act(api));
      ui.output(success(api));
      return 0;
    },
  });
}

/** `operator seal`. */
export const operatorSealCommand = simpleOperator(
  'operator seal',
  'Seals the server',
  `Usage: tresor operator seal [options]

  Seals the Vault server. Sealing tells the Vault server to stop responding
  to any operations until it is unsealed. When sealed, the Vault server
  discards its in-memory root key to unlock the data, so it is physically
  blocked from responding to operations unsealed.

      $ tresor operator seal`,
  sys.seal,
  'Error sealing',
  () => 'Success! Vault is sealed.',
);

/** `operator step-down`. */
export const operatorStepDownCommand = simpleOperator(
  'operator step-down',
  'Forces server to resign active duty',
  `Usage: tresor operator step-down [options]

  Forces the Vault server at the given address to step down from active duty.
  While the affected node will have a delay before attempting to acquire the
  leader lock again, if no other Vault nodes acquire the lock beforehand, it
  is possible for the same node to re-acquire the lock and become active
  again.

      $ tresor operator step-down`,
  sys.stepDown,
  'Error stepping down',
  (client) => `Success! Stepped down: ${client.address}`,
);

/** vault's printKeyStatus: term, install time (RFC 822, UTC) and the encryption count. */
export function keyStatusRows(ks: Record<string, unknown>): string[] {
  const rows = [`Key Term | ${typeof ks.term === 'number' ? ks.term : 0}`];
  const installed = typeof ks.install_time === 'string' ? new Date(ks.install_time) : new Date(NaN);
  rows.push(`Install Time | ${Number.isNaN(installed.getTime()) ? '' : rfc822(installed)}`);
  if (typeof ks.encryptions === 'number') rows.push(`Encryption Count | ${ks.encryptions}`);
  return rows;
}

function rfc822(d: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (x: number): string => String(x).padStart(2, '0');
  return `${p(d.getUTCDate())} ${months[d.getUTCMonth()] ?? ''} ${p(d.getUTCFullYear() % 100)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}

function keyStatusStruct(ks: Record<string, unknown>): GoStruct {
  return new GoStruct([
    ['term', typeof ks.term === 'number' ? ks.term : 0],
    ['install_time', typeof ks.install_time === 'string' ? ks.install_time : '0001-01-01T00:00:00Z'],
    ['encryptions', typeof ks.encryptions === 'number' ? ks.encryptions : 0],
  ]);
}

function keyCommand(name: string, synopsis: string, help: string, rotateFirst: boolean): Command {
  return defineCommand({
    name,
    synopsis,
    help,
    flags: [HTTP_FLAGS, outputFlags()],
    args: [0, 0],
    async run({ ui, client }) {
      const api = client();
      if (rotateFirst) await attempt('Error rotating key', () => sys.rotate(api));
      const status = await attempt('Error reading key status', () => sys.keyStatus(api));
      if (ui.format !== 'table') return keyStatusStruct(status);
      if (rotateFirst) ui.output('Success! Rotated key\n');
      printColumns(ui, keyStatusRows(status));
      return 0;
    },
  });
}

/** `operator rotate`. */
export const operatorRotateCommand = keyCommand(
  'operator rotate',
  'Rotates the underlying encryption key',
  `Usage: tresor operator rotate [options]

  Rotates the underlying encryption key which is used to secure data written
  to the storage backend. This installs a new key in the key ring. This new
  key is used to encrypted new data, while older keys in the ring are used to
  decrypt older data.

      $ tresor operator rotate`,
  true,
);

/** `operator key-status`. */
export const operatorKeyStatusCommand = keyCommand(
  'operator key-status',
  'Provides information about the active encryption key',
  `Usage: tresor operator key-status [options]

  Provides information about the active encryption key. Specifically,
  the current key term and the key installation time.

      $ tresor operator key-status`,
  false,
);
