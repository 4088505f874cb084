import type { BatchObserver, InvalidationApplier } from '#invalidation';
import type { ConsumerListener, KafkaBatchConsumerConfig, KafkaConnectionConfig } from '#kafka';
import type { RedisConnectionConfig } from '#redis';
import type { RedisInvalidatorOptions } from '#redis-invalidation';
import type { BackoffOptions } from '#retry';
import type { ExpandOptions, RuleSet } from '#rules';

/** What {@link InvalidationModule} needs: where changes come from and where caches live. */
export interface InvalidationModuleOptions {
  readonly kafka: KafkaConnectionConfig;
  /** The consumer group and the Debezium topics it reads (names and/or patterns). */
  readonly consumer: KafkaBatchConsumerConfig;
  /** Where messages that cannot be processed go, with the reason in their headers. */
  readonly deadLetterTopic: string;
  readonly redis: RedisConnectionConfig;
  /** Tuning of the Redis side (batch sizes, sweep pace, invalidation markers). @default its own */
  readonly redisOptions?: RedisInvalidatorOptions;
  /**
   * The YAML rules, the built-in handler: a rules directory or file (loaded once at start), or
   * the rule set in force (read once per chunk, so a reload takes effect between chunks).
   * @default no rules: code handlers only
   */
  readonly rules?: string | (() => RuleSet);
  /** The database for the rules' cascade lookups. @default none (rules without cascades) */
  readonly database?: {
    readonly url: string;
    /** Connections at most. @default PgDatabase's (1) */
    readonly poolSize?: number;
    /** @default PgDatabase's (5000) */
    readonly statementTimeoutMs?: number;
  };
  readonly cascade?: ExpandOptions;
  /** Between retries of transient failures (Redis, lookups, dead-letter produce, handlers). */
  readonly backoff?: BackoffOptions;
  /** Messages prepared, coalesced and applied together. @default PartitionBatchProcessor's */
  readonly chunkSize?: number;
  /**
   * Applied messages whose offsets may wait on pattern sweeps before batches wait too.
   * @default PartitionBatchProcessor's
   */
  readonly maxMessagesAwaitingSweeps?: number;
  /** Receives outcomes, retries, progress and sweeps (metrics, logs, health). @default silent */
  readonly observer?: BatchObserver;
  /**
   * Wraps the Redis applier, e.g. to count or (in tests) to drop invalidations.
   * @default the Redis applier as it is
   */
  readonly decorateApplier?: (applier: InvalidationApplier) => InvalidationApplier;
  /** Receives consumer lag and partition assignments from kafkajs. @default ignored */
  readonly consumerListener?: ConsumerListener;
  /** Where kafkajs and Redis connection messages go. @default ignored */
  readonly log?: (
    level: 'error' | 'warn' | 'info' | 'debug',
    message: string,
    extra: object,
  ) => void;
}
