import type { InvalidationCounts } from './invalidation-plan.js';
import type { MessageOutcome } from './message-outcome.js';

/** The operations retried with backoff, for metrics labels and logs. */
export type RetryOperation =
  | 'redis invalidation'
  | 'pattern sweep'
  | 'cascade lookup'
  | 'dead-letter produce'
  | 'offset commit';

/** Where a partition's processing stands, for stall detection. */
export type ProgressKind =
  /** A batch arrived: messages up to `offset` are pending. */
  | 'received'
  /** Messages up to `offset` are applied (sweeps may still be pending). */
  | 'resolved'
  /** Offsets up to `offset` are committed to the group. */
  | 'committed';

/** What the processor reports, for metrics and logs. Every method must be cheap and not throw. */
export interface BatchObserver {
  /**
   * The outcomes of a chunk's messages, in order, once applied and their offsets resolved (one
   * call per chunk, so an observer can count them without work per message); also one message
   * dead-lettered after its sweep failed.
   */
  outcomes(outcomes: readonly MessageOutcome[]): void;
  /**
   * One call per applied chunk, with the time from its first message's preparation to its
   * resolution, retries included. `lagMs` holds commit-to-acknowledgement lags of its changes.
   */
  applied(counts: InvalidationCounts, durationMs: number, lagMs: readonly number[]): void;
  /** A transient failure that will be retried. */
  retrying(operation: RetryOperation, error: unknown, attempt: number, delayMs: number): void;
  /** Whether the last attempt to reach Redis succeeded (readiness). */
  redisHealthy(healthy: boolean): void;
  /** A partition moved (or received work): see {@link ProgressKind}. */
  progress(kind: ProgressKind, topic: string, partition: number, offset: string): void;
  /** One pattern sweep finished (`counts` of that sweep), or failed for good (`error`). */
  swept(pattern: string, durationMs: number, result: InvalidationCounts | { error: unknown }): void;
  /** Sweeps requested and not finished yet (running or queued), after each change. */
  sweepsPending(count: number): void;
  /** A commit of a partition's watermark failed; it is retried with the next one. */
  commitFailed(topic: string, partition: number, offset: string, error: unknown): void;
}

/** An observer that ignores everything, for tests and tools. */
export const silentObserver: BatchObserver = {
  outcomes: () => undefined,
  applied: () => undefined,
  retrying: () => undefined,
  redisHealthy: () => undefined,
  progress: () => undefined,
  swept: () => undefined,
  sweepsPending: () => undefined,
  commitFailed: () => undefined,
};
