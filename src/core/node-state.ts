import { EventEmitter } from 'node:events';
import type { LeaderAdvertisement } from '../physical/types.js';

/**
 * The one state of a node, from which health codes, service tags, the DNS answer, forwarding and
 * metrics are all derived. A node without HA goes straight from sealed to active.
 */
export type NodeStateName = 'uninitialized' | 'sealed' | 'standby' | 'active' | 'stepping-down';

/** What a node is to clients: serving (active), forwarding to the active (standby), or neither. */
export type NodeRole = 'active' | 'standby' | 'none';

/** The role of a state; a node stepping down already forwards like a standby. */
export function roleOf(state: NodeStateName): NodeRole {
  switch (state) {
    case 'active':
      return 'active';
    case 'standby':
    case 'stepping-down':
      return 'standby';
    case 'sealed':
    case 'uninitialized':
      return 'none';
  }
}

export interface NodeStateSnapshot {
  readonly state: NodeStateName;
  /** Why the node is in this state when it is not serving ("sealed by operator", "lost the lock", …). */
  readonly reason: string;
  /** When the node last became active (ISO string), or undefined. */
  readonly activeSince: string | undefined;
  readonly changedAt: number;
  /**
   * Why a node in this state cannot do its work (an active node whose audit devices all fail), or
   * undefined: readiness probes and the Consul check say so while it is set.
   */
  readonly degraded?: string;
}

const ALLOWED: Record<NodeStateName, readonly NodeStateName[]> = {
  uninitialized: ['sealed'],
  sealed: ['standby', 'active', 'uninitialized'],
  standby: ['active', 'sealed'],
  active: ['stepping-down', 'standby', 'sealed'],
  'stepping-down': ['standby', 'sealed'],
};

export class NodeState extends EventEmitter<{
  change: [NodeStateSnapshot, NodeStateSnapshot];
  leader: [LeaderAdvertisement | undefined];
}> {
  private current: NodeStateSnapshot;
  private publishedLeader: LeaderAdvertisement | undefined;

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

  get role(): NodeRole {
    return roleOf(this.current.state);
  }

  /**
   * The active node as published by HA: another node as soon as the lock names it, this node only
   * once its promotion has finished (so nothing names a node that would still answer 503).
   * Undefined without HA, or while no node is known to hold the lock.
   */
  get leader(): LeaderAdvertisement | undefined {
    return this.publishedLeader;
  }

  /** Sets the published leader (HA only); emits `leader` when it changes. */
  publishLeader(leader: LeaderAdvertisement | undefined): void {
    const same =
      leader?.nodeId === this.publishedLeader?.nodeId &&
      leader?.apiAddr === this.publishedLeader?.apiAddr &&
      leader?.clusterAddr === this.publishedLeader?.clusterAddr;
    if (same) return;
    this.publishedLeader = leader;
    this.emit('leader', leader);
  }

  get unsealed(): boolean {
    return this.current.state !== 'uninitialized' && this.current.state !== 'sealed';
  }

  /** Sets or clears (undefined) why the node cannot do its work; emits `change` when it changes. */
  setDegraded(reason: string | undefined): void {
    const prev = this.current;
    if (prev.degraded === reason) return;
    const next: NodeStateSnapshot = {
      state: prev.state,
      reason: prev.reason,
      activeSince: prev.activeSince,
      changedAt: prev.changedAt,
    };
    this.current = reason === undefined ? next : { ...next, degraded: reason };
    this.emit('change', this.current, prev);
  }

  /** Moves to `next`; an illegal transition is a programming error and throws. */
  transition(next: NodeStateName, reason = ''): void {
    const prev = this.current;
    if (prev.state === next) return;
    if (!ALLOWED[prev.state].includes(next))
      throw new Error(`illegal node state transition ${prev.state} → ${next}`);
    this.current = {
      state: next,
      reason,
      activeSince: next === 'active' ? new Date().toISOString() : undefined,
      changedAt: Date.now(),
    };
    this.emit('change', this.current, prev);
  }
}
