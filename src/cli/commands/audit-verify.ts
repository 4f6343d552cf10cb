/**
 * `audit verify [-path=P] FILE...`: checks the chain of a device enabled with `chain=true`. Each
 * entry's `prev_hmac` is the device's HMAC of the entry before it; the server computes that HMAC
 * (sys/audit-hash/<path>), since only it holds the device's salt. A removed, inserted or altered
 * line breaks the chain at the next entry. Files are read in the order given (a rotated log first).
 */
import { readFile } from 'node:fs/promises';
import type { ApiClient } from '../client/api-client.js';
import { HTTP_FLAGS } from '../client/http-flags.js';
import { parseSecret } from '../client/secret.js';
import { attempt, defineCommand } from '../command.js';
import { sanitizePath } from './paths.js';

/** Where a chain broke: file, line (from 1), and why. */
export interface ChainBreak {
  readonly file: string;
  readonly line: number;
  readonly why: string;
}

/**
 * Follows the chain over the lines of `files` in order; `hash` is the device's HMAC. The first
 * entry's predecessor is not at hand, so its `prev_hmac` is not checked.
 */
export async function verifyChain(
  files: readonly { name: string; text: string }[],
  hash: (line: string) => Promise<string>,
): Promise<{ entries: number; broken: ChainBreak | undefined }> {
  let previous: string | undefined;
  let entries = 0;
  for (const { name, text } of files) {
    const lines = text.split('\n');
    for (const [i, line] of lines.entries()) {
      if (line === '') continue;
      let entry: { prev_hmac?: unknown };
      try {
        entry = JSON.parse(line) as { prev_hmac?: unknown };
      } catch {
        return { entries, broken: { file: name, line: i + 1, why: 'not an audit entry (not JSON)' } };
      }
      entries++;
      if (previous !== undefined) {
        if (typeof entry.prev_hmac !== 'string')
          return { entries, broken: { file: name, line: i + 1, why: 'the entry carries no prev_hmac' } };
        if (entry.prev_hmac !== (await hash(previous)))
          return {
            entries,
            broken: { file: name, line: i + 1, why: 'the entry before it is missing or was altered' },
          };
      }
      previous = line;
    }
  }
  return { entries, broken: undefined };
}

/** POST sys/audit-hash/<path> → the hash. */
async function auditHash(client: ApiClient, path: string, input: string): Promise<string> {
  const response = await client.request({ method: 'POST', path: `sys/audit-hash/${path}`, body: { input } });
  const hash = parseSecret(response.body)?.data?.hash;
  if (typeof hash !== 'string') throw new Error('the server answered no hash');
  return hash;
}

/** `audit verify [-path=P] FILE...`. */
export const auditVerifyCommand = defineCommand({
  name: 'audit verify',
  synopsis: 'Verifies the chain of a chained audit log',
  help: `Usage: tresor audit verify [options] FILE...

  Verifies the entries of the audit device at -path (enabled with chain=true):
  each entry carries the device's HMAC of the entry before it, which the server
  computes (sys/audit-hash). A removed, inserted or altered line is reported with
  its file and line, and the command exits 1. Give rotated files oldest first.
  Lines cut from the end of the newest file leave no trace: compare the last
  entry's time with when the log was last written.

      $ tresor audit verify -path=file /var/log/tresor/audit.log.1 /var/log/tresor/audit.log`,
  flags: [
    HTTP_FLAGS,
    {
      title: 'Command Options',
      flags: [
        { name: 'path', kind: 'string', default: 'file', usage: 'The audit device that wrote the files.' },
      ],
    },
  ],
  args: [1, Infinity],
  async run({ ui, args, flags, client }) {
    const api = client();
    const path = sanitizePath(flags.string('path'));
    const files = await Promise.all(args.map(async (name) => ({ name, text: await readFile(name, 'utf8') })));
    const { entries, broken } = await attempt('Error verifying the audit log', () =>
      verifyChain(files, (line) => auditHash(api, path, line)),
    );
    if (broken !== undefined) {
      ui.error(`${broken.file}:${broken.line}: ${broken.why}`);
      return 1;
    }
    ui.output(`Verified ${entries} entries: the chain is unbroken.`);
    return 0;
  },
});
