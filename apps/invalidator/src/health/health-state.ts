import type { ProgressKind } from '#invalidation';
import type { TopicPartition } from '#kafka';

/** A partition with pending work that has not moved for longer than the stall timeout. */
export interface StalledPartition extends TopicPartition {
  /** How long nothing moved. */
  readonly idleMs: number;
  /** `apply`: received messages are not applied; `commit`: applied offsets are not committed. */
  readonly waitingOn: 'apply' | 'commit';
}

/** One assigned partition as the stall gauge shows it. */
export interface PartitionHealth extends TopicPartition {
  readonly stalled: boolean;
}

interface Progress {
  received: bigint;
  resolved: bigint;
  committed: bigint;
  /** When the partition last moved, or became pending after being idle. */
  sinceMs: number;
}

/**
 * What readiness reports besides the live checks: whether the last Redis apply succeeded and
 * which partitions are stalled. A partition is stalled when it has pending work (messages
 * received and not applied, or applied and not committed, e.g. waiting on a sweep) and neither
 * its resolved nor its committed offset moved for `stallTimeoutMs`. Fed by the batch
 * observer and the consumer's assignment; read by the health controller and the metrics.
 */
export class HealthState {
  private redisReachable = true;
  private readonly partitions = new Map<string, Progress & TopicPartition>();

  constructor(
    private readonly stallTimeoutMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Whether the last attempt to apply to Redis succeeded. */
  get redisOk(): boolean {
    return this.redisReachable;
  }

  /** Records the outcome of an apply; returns true when Redis just became reachable again. */
  redisHealthy(healthy: boolean): boolean {
    const recovered = healthy && !this.redisReachable;
    this.redisReachable = healthy;
    return recovered;
  }

  /** The member's partitions after a (re)join: progress restarts from what is fetched next. */
  assigned(partitions: readonly TopicPartition[]): void {
    this.partitions.clear();
    for (const { topic, partition } of partitions) this.state(topic, partition);
  }

  progress(kind: ProgressKind, topic: string, partition: number, offset: string): void {
    const state = this.state(topic, partition);
    const value = BigInt(offset);
    const now = this.clock();
    switch (kind) {
      case 'received':
        if (!isPending(state)) state.sinceMs = now;
        if (value > state.received) state.received = value;
        break;
      case 'resolved':
        if (value > state.resolved) {
          state.resolved = value;
          state.sinceMs = now;
        }
        break;
      case 'committed':
        if (value > state.committed) {
          state.committed = value;
          state.sinceMs = now;
        }
        break;
    }
  }

  /** Partitions stalled now, in assignment order. */
  stalled(): StalledPartition[] {
    const now = this.clock();
    return [...this.partitions.values()].flatMap((state) => {
      const idleMs = now - state.sinceMs;
      if (!isPending(state) || idleMs < this.stallTimeoutMs) return [];
      const waitingOn = state.received > state.resolved ? 'apply' : 'commit';
      return [{ topic: state.topic, partition: state.partition, idleMs, waitingOn }];
    });
  }

  /** Every known partition with its stall flag, for the gauge. */
  health(): PartitionHealth[] {
    const stalled = new Set(this.stalled().map((s) => key(s.topic, s.partition)));
    return [...this.partitions.values()].map(({ topic, partition }) => ({
      topic,
      partition,
      stalled: stalled.has(key(topic, partition)),
    }));
  }

  private state(topic: string, partition: number): Progress & TopicPartition {
    const id = key(topic, partition);
    let state = this.partitions.get(id);
    if (state === undefined) {
      state = { topic, partition, received: -1n, resolved: -1n, committed: -1n, sinceMs: 0 };
      this.partitions.set(id, state);
    }
    return state;
  }
}

function isPending(state: Progress): boolean {
  return state.received > state.resolved || state.resolved > state.committed;
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${String(partition)}`;
}
