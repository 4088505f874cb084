import type { InvalidationCounts, InvalidationPlan } from './invalidation-plan.js';

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
 * them. Nothing is committed that was not passed to `resolveOffset`.
 */
export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly ConsumedMessage[];
  /** Marks `offset` and everything before it in this partition as done. */
  resolveOffset(offset: string): void;
  /** Commits resolved offsets if the commit interval or threshold says so. */
  commit(): Promise<void>;
  /** Tells the group coordinator this member is alive (long batches, long retries). */
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

/** Port to Redis. Throwing a retriable error makes the caller retry the same plan. */
export interface InvalidationApplier {
  apply(plan: InvalidationPlan): Promise<InvalidationCounts>;
}
