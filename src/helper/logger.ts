import pino from 'pino';
import type { Logger } from 'pino';

export type { Logger } from 'pino';

/** Paths pino blanks out wherever they appear in a logged object. */
export const REDACT_PATHS: readonly string[] = [
  'token',
  'client_token',
  'root_token',
  'key',
  'keys',
  'keys_base64',
  'secret_id',
  'password',
  '*.token',
  '*.client_token',
  '*.root_token',
  '*.key',
  '*.keys',
  '*.keys_base64',
  '*.secret_id',
  '*.password',
  'headers["x-vault-token"]',
  'headers.authorization',
  '*.headers["x-vault-token"]',
  '*.headers.authorization',
];

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** The root logger; subsystems take `logger.child({ subsystem })`. Logs go to stderr. */
export function createLogger(
  level: LogLevel | 'silent' = 'info',
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { service: 'tresor' },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination(2),
  );
}

/** A logger that writes nothing, for tests and embedding. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
