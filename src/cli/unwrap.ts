/**
 * `unwrap [TOKEN]`: the secret inside a response-wrapping token.
 */
import {
  type Command,
  HTTP_FLAGS,
  checkArgCount,
  clientOrExit,
  outputFlags,
  parseCommandArgs,
} from './command.js';
import { outputList, outputSecret, printRawField } from './format.js';
import { listKeys } from './logical.js';
import { type Secret, unwrapSecret } from './secret.js';

/** `unwrap [TOKEN]`. */
export const unwrapCommand: Command = {
  name: 'unwrap',
  synopsis: 'Unwrap a wrapped secret',
  help: `Usage: tresor unwrap [options] [TOKEN]

  Unwraps a wrapped secret from Vault by the given token. The result is the
  same as the "vault read" operation on the non-wrapped secret. If no token
  is given, the data in the currently authenticated token is unwrapped.

      $ tresor unwrap 3de9ece1-b347-e143-29b0-dc2dc31caafd`,
  flags: [HTTP_FLAGS, outputFlags({ field: true })],
  async run(ctx, argv) {
    const parsed = parseCommandArgs(ctx, this, argv);
    if (typeof parsed === 'number') return parsed;
    const { flags, args } = parsed;
    const bad = checkArgCount(ctx, args, 0, 1);
    if (bad !== undefined) return bad;
    const client = clientOrExit(ctx, flags);
    if (typeof client === 'number') return client;
    let secret: Secret | null;
    try {
      secret = await unwrapSecret(client, args[0] ?? '');
    } catch (err) {
      ctx.ui.error(`Error unwrapping: ${(err as Error).message}`);
      return 2;
    }
    if (secret === null) {
      if (ctx.ui.format === 'table')
        ctx.ui.info('Successfully unwrapped. There was no data in the wrapped secret.');
      return 0;
    }
    if (flags.string('field') !== '') return printRawField(ctx.ui, secret, flags.string('field'));
    if (listKeys(secret) !== undefined) return outputList(ctx.ui, secret);
    return outputSecret(ctx.ui, secret);
  },
};
