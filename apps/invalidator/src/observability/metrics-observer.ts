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

  outcome(outcome: MessageOutcome): void {
    this.onOutcome(outcome);
    const { entity, op } = splitEventName(outcome.event);
    const { topic, partition, offset } = outcome.message;
    switch (outcome.kind) {
      case 'invalidate':
        this.metrics.events.inc({ entity, op, outcome: 'invalidated', reason: '' });
        break;
      case 'ignore':
        this.metrics.events.inc({ entity, op, outcome: 'ignored', reason: outcome.reason });
        break;
      case 'dead-letter': {
        const code = outcome.error instanceof InvalidatorError ? outcome.error.code : 'INTERNAL';
        this.metrics.events.inc({ entity, op, outcome: 'dead_lettered', reason: code });
        this.metrics.deadLetters.inc({ code });
        this.logger.error(
          { topic, partition, offset, code, error: describeError(outcome.error) },
          'message sent to the dead-letter topic',
        );
        break;
      }
    }
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
