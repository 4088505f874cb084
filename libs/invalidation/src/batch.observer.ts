import type { InvalidationCounts } from './invalidation-plan.js';
import type { MessageOutcome } from './message-outcome.js';

/** What the processor reports, for metrics and logs. Every method must be cheap and not throw. */
export interface BatchObserver {
  /** One call per message, once its outcome is applied and its offset resolved. */
  outcome(outcome: MessageOutcome): void;
  /**
   * One call per applied chunk, with the time from its first message's preparation to its
   * resolution, retries included. `lagMs` holds commit-to-acknowledgement lags of its changes.
   */
  applied(counts: InvalidationCounts, durationMs: number, lagMs: readonly number[]): void;
  /** A transient failure that will be retried. */
  retrying(operation: string, error: unknown, attempt: number, delayMs: number): void;
  /** Whether the last attempt to reach Redis succeeded (readiness). */
  redisHealthy(healthy: boolean): void;
  /** Messages behind the partition's end after this batch (consumer lag). */
  lag(topic: string, partition: number, lag: number): void;
}

/** An observer that ignores everything, for tests and tools. */
export const silentObserver: BatchObserver = {
  outcome: () => undefined,
  applied: () => undefined,
  retrying: () => undefined,
  redisHealthy: () => undefined,
  lag: () => undefined,
};
