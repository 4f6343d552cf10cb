import type { Readable } from 'node:stream';

/** Anything text can be written to (process.stdout, a test buffer). */
export interface TextSink {
  write(chunk: string): unknown;
}

/** The streams and environment one CLI run uses; tests substitute their own. */
export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly stdin: Readable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdoutIsTty: boolean;
  readonly stdinIsTty: boolean;
}

/** The real process streams. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    stdoutIsTty: process.stdout.isTTY,
    stdinIsTty: process.stdin.isTTY,
  };
}

/**
 * What vault's cli.Ui does: normal output on stdout, errors and warnings on stderr, each followed
 * by a newline. `format` and `detailed` come from the global pre-scan of the arguments.
 */
export class Ui {
  constructor(
    readonly io: CliIo,
    readonly format: string,
    readonly detailed: boolean,
  ) {}

  /** A line on stdout. */
  output(text: string): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** Same as output (vault's Info). */
  info(text: string): void {
    this.output(text);
  }

  /** A line on stderr. */
  error(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /** A line on stderr (vault prints warnings there so that pipes stay clean). */
  warn(text: string): void {
    this.error(text);
  }

  /**
   * vault's PrintRaw: on a terminal the value ends with a newline; piped, it is printed bare so
   * that `$(tresor read -field=x ...)` captures exactly the value.
   */
  raw(text: string): void {
    const env = this.io.env;
    const colour = this.io.stdoutIsTty && env.TERM !== 'dumb' && (env.NO_COLOR ?? '') === '';
    if (colour) this.output(text);
    else this.io.stdout.write(text);
  }
}

/** Reads everything from a stream as UTF-8 (for `-` meaning stdin). */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads one line (without its line ending) from a stream that is not a terminal. */
export function readLine(stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const finish = (line: string): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.pause();
      resolve(line.replace(/\r$/, ''));
    };
    const onData = (chunk: Buffer | string): void => {
      buffered += chunk.toString();
      const at = buffered.indexOf('\n');
      if (at >= 0) finish(buffered.slice(0, at));
    };
    const onEnd = (): void => {
      finish(buffered);
    };
    const onError = (err: Error): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      reject(err);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.resume();
  });
}

interface RawModeStream extends Readable {
  setRawMode?: (mode: boolean) => unknown;
}

/**
 * Prompts for a secret: on a terminal the prompt goes to `promptSink` and the typed characters are
 * not echoed; otherwise one line is read from stdin without a prompt (so that
 * `echo $KEY | tresor operator unseal` works in scripts).
 */
export async function readSecret(io: CliIo, prompt: string, promptSink: TextSink): Promise<string> {
  const stdin = io.stdin as RawModeStream;
  if (!io.stdinIsTty || stdin.setRawMode === undefined) return readLine(io.stdin);
  promptSink.write(prompt);
  const setRaw = stdin.setRawMode.bind(stdin);
  setRaw(true);
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: Buffer | string): void => {
        for (const ch of chunk.toString()) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stdin.off('data', onData);
            resolve(value);
            return;
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            reject(new Error('interrupted'));
            return;
          }
          if (ch === '\u007f' || ch === '\b') value = Array.from(value).slice(0, -1).join('');
          else value += ch;
        }
      };
      stdin.on('data', onData);
      stdin.resume();
    });
  } finally {
    setRaw(false);
    stdin.pause();
    promptSink.write('\n');
  }
}
