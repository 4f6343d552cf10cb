import type { Router } from '@koa/router';
import type { Core } from '../core/core.js';
import { sudoAction } from './guard.js';

/** sys/step-down: the active node gives the lock up (a standby forwards this to the active). */
export function registerSysStepDown(router: Router, core: Core): void {
  sudoAction(router, core, 'sys/step-down', () => core.stepDown());
}
