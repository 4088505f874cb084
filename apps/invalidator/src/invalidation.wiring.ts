import type { Logger } from 'pino';
import { InvalidationModule, type InvalidationModuleOptions } from '#nest-debezium';
import type { InvalidatorConfig } from './config/invalidator.config.js';
import { ConfigError } from './config/config.error.js';
import { CONFIG, LOGGER } from './invalidator.tokens.js';
import { MetricsObserver } from './observability/metrics.observer.js';
import { RulesRegistry } from './rules/rules.registry.js';

/** The service's own use of the embeddable module: its config, its metrics, its reloadable rules. */
export const invalidationModule = InvalidationModule.forRootAsync({
  inject: [CONFIG, LOGGER, RulesRegistry, MetricsObserver],
  useFactory: (
    config: InvalidatorConfig,
    logger: Logger,
    rules: RulesRegistry,
    observer: MetricsObserver,
  ): InvalidationModuleOptions => ({
    kafka: config.kafka,
    consumer: config.consumer,
    deadLetterTopic: config.deadLetterTopic,
    redis: config.redis,
    rules: () => rules.ruleSet,
    database: databaseOptions(config, rules),
    cascade: config.cascade,
    backoff: config.backoff,
    chunkSize: config.chunkSize,
    observer,
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
