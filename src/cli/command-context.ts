/**
 * What a command runs with: the process streams and environment, the output UI, and (for tests)
 * the token helper to use.
 */
import type { TokenHelper } from './client/token-helper.js';
import type { CliIo, Ui } from './output/io.js';

/** What a command runs with. */
export interface CommandContext {
  readonly io: CliIo;
  readonly ui: Ui;
  /** Overridable for tests; defaults to the user's configured helper. */
  readonly tokenHelper?: () => TokenHelper;
}
