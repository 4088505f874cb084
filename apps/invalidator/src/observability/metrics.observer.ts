import type { Logger } from 'pino';
import { InvalidatorError, describeError } from '#errors';
import { splitEventName, type BatchObserver, type MessageOutcome } from '#invalidation';
import type { InvalidationCounts } from '#redis-invalidation';
import type { InvalidatorMetrics } from './invalidator.metrics.js';

const COMPONENT_OF: Record<string, string> = {
  'redis invalidation': 'redis',
  'cascade lookup': 'database',
  'dead-letter produce': 'kafka',
};

/** Turns what the batch processor reports into metrics, logs and the Redis health flag. */
export class MetricsObserver implements BatchObserver {
  redisOk = true;

  /** @param onOutcome also told of each applied outcome (the consistency checker samples them). */
  constructor(
    private readonly metrics: InvalidatorMetrics,
    private readonly logger: Logger,
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
    this.metrics.invalidated.inc({ kind: 'pattern' }, counts.patterns);
    this.metrics.invalidated.inc({ kind: 'pattern_match' }, counts.patternMatches);
    this.metrics.chunkDuration.observe(durationMs / 1000);
    for (const lag of lagMs) this.metrics.lag.observe(lag / 1000);
    if (counts.keys + counts.tags + counts.patterns > 0) {
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

  retrying(operation: string, error: unknown, attempt: number, delayMs: number): void {
    this.metrics.retries.inc({ operation });
    this.metrics.errors.inc({ component: COMPONENT_OF[operation] ?? 'other' });
    this.logger.warn({ operation, attempt, delayMs, error: describeError(error) }, 'retrying');
  }

  redisHealthy(healthy: boolean): void {
    if (healthy && !this.redisOk) this.logger.info('redis reachable again');
    this.redisOk = healthy;
  }

  lag(topic: string, partition: number, lag: number): void {
    this.metrics.consumerLag.set({ topic, partition: String(partition) }, lag);
  }
}
