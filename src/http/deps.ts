import type { Logger } from '../helper/logger.js';

/** What the HTTP layer needs besides the core. */
export interface HttpDeps {
  readonly logger: Logger;
  readonly maxRequestSize: number;
  /** HA facts for sys/leader; undefined when HA is off. */
  readonly ha?: {
    readonly leader: () => { leaderAddress: string; leaderClusterAddress: string; isSelf: boolean } | undefined;
  };
}
