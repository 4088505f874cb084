import type { Logger } from 'pino';
import { InvalidatorError, describeError } from '#errors';
import {
  splitEventName,
  type BatchObserver,
  type InvalidationCounts,
  type MessageOutcome,
  type ProgressKind,
  type RetryOperation,
} from '#invalidation';
import type { HealthState } from '../health/health-state.js';
import type { InvalidatorMetrics } from './invalidator-metrics.js';

/** Turns what the batch processor reports into metrics, logs and health state. */
export class MetricsObserver implements BatchObserver {
  constructor(
    private readonly metrics: InvalidatorMetrics,
    private readonly logger: Logger,
    private readonly health: HealthState,
    private readonly onOutcome: (outcome: MessageOutcome) => void = () => undefined,
  ) {}

  outcomes(outcomes: readonly MessageOutcome[]): void {
    // Invalidated messages are counted per event name, one increment each: label hashing per
    // message was a visible share of the CPU at tens of thousands of events per second.
    const invalidated = new Map<string, number>();
    for (const outcome of outcomes) {
      this.onOutcome(outcome);
      if (outcome.kind === 'invalidate') {
        invalidated.set(outcome.event, (invalidated.get(outcome.event) ?? 0) + 1);
      } else {
        this.countOther(outcome);
      }
    }
    for (const [event, count] of invalidated) {
      const { entity, op } = splitEventName(event);
      this.metrics.events.inc({ entity, op, outcome: 'invalidated', reason: '' }, count);
    }
  }

  private countOther(outcome: Exclude<MessageOutcome, { kind: 'invalidate' }>): void {
    const { entity, op } = splitEventName(outcome.event);
    if (outcome.kind === 'ignore') {
      this.metrics.events.inc({ entity, op, outcome: 'ignored', reason: outcome.reason });
      return;
    }
    const code = outcome.error instanceof InvalidatorError ? outcome.error.code : 'INTERNAL';
    this.metrics.events.inc({ entity, op, outcome: 'dead_lettered', reason: code });
    this.metrics.deadLetters.inc({ code });
    const { topic, partition, offset } = outcome.message;
    this.logger.error(
      { topic, partition, offset, code, error: describeError(outcome.error) },
      'message sent to the dead-letter topic',
    );
  }

  applied(counts: InvalidationCounts, durationMs: number, lagMs: readonly number[]): void {
    this.metrics.invalidated.inc({ kind: 'key' }, counts.keys);
    this.metrics.invalidated.inc({ kind: 'tag' }, counts.tags);
    this.metrics.invalidated.inc({ kind: 'tag_member' }, counts.tagMembers);
    this.metrics.invalidated.inc({ kind: 'namespace' }, counts.namespaces);
    this.metrics.chunkDuration.observe(durationMs / 1000);
    for (const lag of lagMs) this.metrics.lag.observe(lag / 1000);
    if (counts.keys + counts.tags + counts.namespaces > 0) {
      // One line per applied chunk (not per message), so a busy stream does not flood the logs.
      this.logger.info(
        {
          ...counts,
          durationMs,
          changes: lagMs.length,
          maxLagMs: lagMs.length > 0 ? Math.max(...lagMs) : null,
        },
        'invalidated',
      );
    }
  }

  retrying(operation: RetryOperation, error: unknown, attempt: number, delayMs: number): void {
    this.metrics.retries.inc({ operation });
    this.logger.warn({ operation, attempt, delayMs, error: describeError(error) }, 'retrying');
  }

  redisHealthy(healthy: boolean): void {
    if (this.health.redisHealthy(healthy)) this.logger.info('redis reachable again');
  }

  progress(kind: ProgressKind, topic: string, partition: number, offset: string): void {
    this.health.progress(kind, topic, partition, offset);
  }

  swept(
    pattern: string,
    durationMs: number,
    result: InvalidationCounts | { error: unknown },
  ): void {
    this.metrics.sweepDuration.observe(durationMs / 1000);
    if ('error' in result) {
      this.logger.error(
        { pattern, durationMs, error: describeError(result.error) },
        'pattern sweep refused; the messages that asked for it go to the dead-letter topic',
      );
      return;
    }
    this.metrics.invalidated.inc({ kind: 'pattern' }, result.patterns);
    this.metrics.invalidated.inc({ kind: 'pattern_match' }, result.patternMatches);
    this.logger.info(
      { pattern, durationMs, matches: result.patternMatches, removed: result.removed },
      'swept',
    );
  }

  sweepsPending(count: number): void {
    this.metrics.sweepsPending.set(count);
  }

  commitFailed(topic: string, partition: number, offset: string, error: unknown): void {
    this.metrics.retries.inc({ operation: 'offset commit' });
    this.logger.warn(
      { topic, partition, offset, error: describeError(error) },
      'offset commit failed; retried with the next watermark',
    );
  }
}
