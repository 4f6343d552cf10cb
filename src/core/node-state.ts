import { EventEmitter } from 'node:events';

/**
 * The one state of a node, from which health codes, service tags, the DNS answer, forwarding and
 * metrics are all derived. A node without HA goes straight from sealed to active.
 */
export type NodeStateName = 'uninitialized' | 'sealed' | 'standby' | 'active' | 'stepping-down';

export interface NodeStateSnapshot {
  readonly state: NodeStateName;
  /** Why the node is in this state when it is not serving ("sealed by operator", "lost the lock", …). */
  readonly reason: string;
  /** When the node last became active (ISO string), or undefined. */
  readonly activeSince: string | undefined;
  readonly changedAt: number;
}

const ALLOWED: Record<NodeStateName, readonly NodeStateName[]> = {
  uninitialized: ['sealed'],
  sealed: ['standby', 'active', 'uninitialized'],
  standby: ['active', 'sealed'],
  active: ['stepping-down', 'standby', 'sealed'],
  'stepping-down': ['standby', 'sealed'],
};

export class NodeState extends EventEmitter<{ change: [NodeStateSnapshot, NodeStateSnapshot] }> {
  private current: NodeStateSnapshot;

  constructor(initial: NodeStateName) {
    super();
    this.current = { state: initial, reason: '', activeSince: undefined, changedAt: Date.now() };
  }

  get snapshot(): NodeStateSnapshot {
    return this.current;
  }

  get state(): NodeStateName {
    return this.current.state;
  }

  get unsealed(): boolean {
    return this.current.state !== 'uninitialized' && this.current.state !== 'sealed';
  }

  /** Moves to `next`; an illegal transition is a programming error and throws. */
  transition(next: NodeStateName, reason = ''): void {
    const prev = this.current;
    if (prev.state === next) return;
    if (!ALLOWED[prev.state].includes(next)) throw new Error(`illegal node state transition ${prev.state} → ${next}`);
    this.current = {
      state: next,
      reason,
      activeSince: next === 'active' ? new Date().toISOString() : undefined,
      changedAt: Date.now(),
    };
    this.emit('change', this.current, prev);
  }
}
