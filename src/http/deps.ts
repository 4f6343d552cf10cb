import type { Logger } from '../helper/logger.js';

/** What the HTTP layer needs besides the core. */
export interface HttpDeps {
  readonly logger: Logger;
  readonly maxRequestSize: number;
}
