import { Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Kafka } from 'kafkajs';
import { MessagePreparer, PartitionBatchProcessor } from '#invalidation';
import { KafkaBatchConsumer, KafkaDeadLetterProducer, createKafka } from '#kafka';
import { RedisInvalidator } from '#redis-invalidation';
import { BackoffPolicy } from '#retry';
import { createCascadeLookup, type ClosableLookup } from '../adapters/cascade-lookup.factory.js';
import { ConsistencyMonitor } from '../consistency/consistency.monitor.js';
import { KeyDroppingApplier } from '../consistency/key-dropping.applier.js';
import type { InvalidatorConfig } from '../config/invalidator.config.js';
import { CASCADE_LOOKUP, CONFIG, KAFKA, LOGGER } from '../invalidator.tokens.js';
import { InvalidatorMetrics } from '../observability/invalidator.metrics.js';
import { MetricsObserver } from '../observability/metrics.observer.js';
import { RulesRegistry } from '../rules/rules.registry.js';
import { InvalidationWorker } from './invalidation.worker.js';
import { BATCH_PROCESSOR, CONSUMER, DEAD_LETTERS, OBSERVER, REDIS } from './worker.tokens.js';

/** The consuming role: Kafka in, rules, cascades, Redis out, dead letters aside. */
@Module({
  providers: [
    {
      provide: KAFKA,
      inject: [CONFIG, LOGGER],
      useFactory: (config: InvalidatorConfig, logger: Logger) =>
        createKafka(config.kafka, (level, message, extra) => {
          logger[level](extra, message);
        }),
    },
    {
      provide: REDIS,
      inject: [CONFIG, LOGGER],
      useFactory: (config: InvalidatorConfig, logger: Logger) =>
        RedisInvalidator.fromConfig(
          {
            ...config.redis,
            onConnectionError: (error) => {
              logger.warn({ error: error.message }, 'redis connection error');
            },
          },
          { markers: config.markers },
        ),
    },
    {
      provide: CASCADE_LOOKUP,
      inject: [CONFIG, RulesRegistry],
      useFactory: (config: InvalidatorConfig, rules: RulesRegistry) =>
        createCascadeLookup(config.database, rules.ruleSet),
    },
    {
      provide: ConsistencyMonitor,
      inject: [CONFIG, InvalidatorMetrics, LOGGER],
      useFactory: (config: InvalidatorConfig, metrics: InvalidatorMetrics, logger: Logger) =>
        new ConsistencyMonitor(config, metrics, logger),
    },
    {
      provide: OBSERVER,
      inject: [InvalidatorMetrics, LOGGER, ConsistencyMonitor],
      useFactory: (metrics: InvalidatorMetrics, logger: Logger, monitor: ConsistencyMonitor) =>
        new MetricsObserver(metrics, logger, (outcome) => {
          monitor.observe(outcome);
        }),
    },
    {
      provide: DEAD_LETTERS,
      inject: [KAFKA, CONFIG],
      useFactory: (kafka: Kafka, config: InvalidatorConfig) =>
        new KafkaDeadLetterProducer(kafka, config.deadLetterTopic),
    },
    {
      provide: CONSUMER,
      inject: [KAFKA, CONFIG, OBSERVER],
      useFactory: (kafka: Kafka, config: InvalidatorConfig, observer: MetricsObserver) =>
        new KafkaBatchConsumer(kafka, config.consumer, (topic, partition, lag) => {
          observer.lag(topic, partition, lag);
        }),
    },
    {
      provide: BATCH_PROCESSOR,
      inject: [CONFIG, RulesRegistry, CASCADE_LOOKUP, REDIS, DEAD_LETTERS, OBSERVER],
      useFactory: (
        config: InvalidatorConfig,
        rules: RulesRegistry,
        lookup: ClosableLookup,
        redis: RedisInvalidator,
        deadLetters: KafkaDeadLetterProducer,
        observer: MetricsObserver,
      ) => {
        const backoff = new BackoffPolicy(config.backoff);
        return new PartitionBatchProcessor(
          {
            rules: () => rules.ruleSet,
            preparer: new MessagePreparer(lookup, backoff, config.cascade),
            applier:
              config.testDropKeys === null
                ? redis
                : new KeyDroppingApplier(redis, config.testDropKeys),
            deadLetters,
            observer,
            backoff,
          },
          { chunkSize: config.chunkSize },
        );
      },
    },
    InvalidationWorker,
  ],
  exports: [CONSUMER, REDIS, OBSERVER, CASCADE_LOOKUP, ConsistencyMonitor],
})
export class WorkerModule {}
