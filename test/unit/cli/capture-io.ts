import { Readable } from 'node:stream';
import type { CliIo } from '../../../src/cli/output/io.js';

/** A CliIo whose output is kept in strings, for unit tests. */
export interface CapturedIo extends CliIo {
  readonly out: () => string;
  readonly err: () => string;
}

/** Builds an in-memory CliIo; `stdin` is what the command may read. */
export function captureIo(
  options: { env?: Record<string, string | undefined>; stdin?: string; stdoutIsTty?: boolean } = {},
): CapturedIo {
  let out = '';
  let err = '';
  return {
    stdout: {
      write: (s: string) => {
        out += s;
        return true;
      },
    },
    stderr: {
      write: (s: string) => {
        err += s;
        return true;
      },
    },
    stdin: Readable.from([options.stdin ?? '']),
    env: options.env ?? {},
    stdoutIsTty: options.stdoutIsTty ?? false,
    stdinIsTty: false,
    out: () => out,
    err: () => err,
  };
}
