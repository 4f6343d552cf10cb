/**
 * `unwrap [TOKEN]`: the secret inside a response-wrapping token.
 */
import { HTTP_FLAGS } from '../client/http-flags.js';
import { unwrapSecret } from '../client/secret.js';
import { attempt, defineCommand } from '../command.js';
import { outputList, outputSecretOrField } from '../output/format.js';
import { outputFlags } from '../output/output-flags.js';
import { listKeys } from './logical.js';

/** `unwrap [TOKEN]`. */
export const unwrapCommand = defineCommand({
  name: 'unwrap',
  synopsis: 'Unwrap a wrapped secret',
  help: `Usage: tresor unwrap [options] [TOKEN]

  Unwraps a wrapped secret from Vault by the given token. The result is the
  same as the "vault read" operation on the non-wrapped secret. If no token
  is given, the data in the currently authenticated token is unwrapped.

      $ tresor unwrap 3de9ece1-b347-e143-29b0-dc2dc31caafd`,
  flags: [HTTP_FLAGS, outputFlags({ field: true })],
  args: [0, 1],
  async run({ ui, flags, args, client }) {
    const api = client();
    const secret = await attempt('Error unwrapping', () => unwrapSecret(api, args[0] ?? ''));
    if (secret === null) {
      if (ui.format === 'table') ui.info('Successfully unwrapped. There was no data in the wrapped secret.');
      return 0;
    }
    if (flags.string('field') === '' && listKeys(secret) !== undefined) return outputList(ui, secret);
    return outputSecretOrField(ui, secret, flags.string('field'));
  },
});
