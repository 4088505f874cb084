import type { Logger } from 'pino';
import { describeError } from '#errors';
import { InvalidationModule, type InvalidationModuleOptions } from '#nest-debezium';
import type { InvalidatorConfig } from './config/invalidator-config.js';
import { ConfigError } from './config/config.errors.js';
import { KeyDroppingApplier } from './consistency/key-dropping-applier.js';
import { HealthState } from './health/health-state.js';
import { CONFIG, LOGGER } from './invalidator-tokens.js';
import { InvalidatorMetrics } from './observability/invalidator-metrics.js';
import { MetricsObserver } from './observability/metrics-observer.js';
import { RulesRegistry } from './rules/rules-registry.js';

/** The service's own use of the embeddable module: its config, its metrics, its reloadable rules. */
export const invalidationModule = InvalidationModule.forRootAsync({
  inject: [CONFIG, LOGGER, RulesRegistry, MetricsObserver, InvalidatorMetrics, HealthState],
  useFactory: (
    config: InvalidatorConfig,
    logger: Logger,
    rules: RulesRegistry,
    observer: MetricsObserver,
    metrics: InvalidatorMetrics,
    health: HealthState,
  ): InvalidationModuleOptions => ({
    kafka: config.kafka,
    consumer: config.consumer,
    deadLetterTopic: config.deadLetterTopic,
    redis: config.redis,
    redisOptions: { markers: config.markers },
    ...droppingApplier(config.testDropKeys),
    rules: () => rules.ruleSet,
    database: databaseOptions(config, rules),
    cascade: config.cascade,
    backoff: config.backoff,
    chunkSize: config.chunkSize,
    maxMessagesAwaitingSweeps: config.maxMessagesAwaitingSweeps,
    observer,
    consumerListener: {
      lag: (topic, partition, lag) => {
        metrics.setConsumerLag(topic, partition, lag);
      },
      assigned: (partitions) => {
        metrics.keepConsumerLagOf(partitions);
        health.assigned(partitions);
      },
      topicsAdded: (topics) => {
        logger.info(
          { topics },
          'new topics match INVALIDATOR_KAFKA_TOPICS: subscribing (rejoins the group)',
        );
      },
      topicWatchFailed: (error) => {
        logger.warn(
          { error: describeError(error) },
          'looking for new topics failed; retrying at the next interval',
        );
      },
    },
    log: (level, message, extra) => {
      logger[level](extra, message);
    },
  }),
});

function databaseOptions(
  config: InvalidatorConfig,
  rules: RulesRegistry,
): InvalidationModuleOptions['database'] {
  const { url, poolSize, statementTimeoutMs } = config.database;
  if (url !== undefined) return { url, poolSize, statementTimeoutMs };
  const cascades = rules.ruleSet.edges.length;
  if (cascades === 0) return undefined;
  throw new ConfigError([
    `INVALIDATOR_DATABASE_URL is not set: the rules declare ${cascades} cascade(s), which need a postgres:// URL`,
  ]);
}

/** TEST ONLY: the applier that skips keys matching `pattern`, when one is configured. */
function droppingApplier(
  pattern: RegExp | null,
): Pick<InvalidationModuleOptions, 'decorateApplier'> {
  if (pattern === null) return {};
  return { decorateApplier: (applier) => new KeyDroppingApplier(applier, pattern) };
}
