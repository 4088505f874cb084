import type { ApplyOptions, InvalidationCounts, InvalidationPlan } from './invalidation-plan.js';

/** One consumed Kafka message, as the consumer adapter hands it over. */
export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
  /** Kafka append time (or create time), epoch milliseconds as a string. */
  readonly timestamp: string;
}

/**
 * Messages of one partition, in offset order, with the controls of the consumer that fetched
 * them. Resolving an offset only lets the consumer fetch onward; nothing is committed to the
 * group but what is passed to `commit`, so a resolved offset can wait (on a pattern sweep) and be
 * redelivered after a crash or a rebalance.
 */
export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  /**
   * The group generation the batch was fetched in. Changes on each rebalance, after which the
   * consumer fetches again from the committed offset: state kept for an earlier epoch is void.
   */
  readonly epoch: number;
  readonly messages: readonly ConsumedMessage[];
  /** Marks `offset` and everything before it in this partition as applied: fetch onward. */
  resolveOffset(offset: string): void;
  /**
   * Commits `offset` and everything before it in this partition to the group (the next start
   * after a crash). May be called after the batch ended; does nothing once the epoch changed, so
   * a partition that went to another member is never rewound. Rejects when Kafka refuses.
   */
  commit(offset: string): Promise<void>;
  /**
   * Tells the group coordinator this member is alive (long steps); cheap, sends at most once per
   * heartbeat interval. A rebalance makes the batch stale instead of rejecting.
   */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping. */
  isRunning(): boolean;
  /** True once a rebalance took this partition away or the batch was otherwise superseded. */
  isStale(): boolean;
}

/** A message that cannot be processed, with the reason, for the dead-letter topic. */
export interface DeadLetter {
  readonly message: ConsumedMessage;
  readonly error: unknown;
}

/** Port to the dead-letter topic. Throwing a retriable error makes the caller retry. */
export interface DeadLetterSink {
  send(letters: readonly DeadLetter[]): Promise<void>;
}

/**
 * Port to Redis. Throwing a retriable error makes the caller retry the same plan; `signal` stops
 * a pattern sweep early (the plan is then not applied and must not count as applied).
 */
export interface InvalidationApplier {
  apply(plan: InvalidationPlan, options?: ApplyOptions): Promise<InvalidationCounts>;
}
