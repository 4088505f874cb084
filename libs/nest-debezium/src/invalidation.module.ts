import {
  ConfigurableModuleBuilder,
  Module,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { InvalidatorError } from '#errors';
import {
  MessagePreparer,
  PartitionBatchProcessor,
  silentObserver,
  type BatchObserver,
} from '#invalidation';
import { KafkaBatchConsumer, KafkaDeadLetterProducer, createKafka } from '#kafka';
import { RedisInvalidator } from '#redis-invalidation';
import { BackoffPolicy } from '#retry';
import { compileRules, loadRules, PgDatabase, type CascadeLookup, type RuleSet } from '#rules';
import { ChangeHandlerRegistry } from './change-handler-registry.js';
import { DebeziumTransport } from './debezium-transport.js';
import type { InvalidationModuleOptions } from './invalidation-module-options.js';

/** Token of the cascade lookup (an interface): the database behind the rules' cascades. */
export const CASCADE_LOOKUP = Symbol('CascadeLookup');
/** Token of the rule set in force, a `() => RuleSet`. */
export const RULES_IN_FORCE = Symbol('RulesInForce');
/** Token of the {@link BatchObserver} (an interface) the processor reports to. */
export const BATCH_OBSERVER = Symbol('BatchObserver');

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } =
  new ConfigurableModuleBuilder<InvalidationModuleOptions>().setClassMethodName('forRoot').build();

/** The token of the module's options, for providers of an embedding app that need them. */
export const INVALIDATION_OPTIONS = MODULE_OPTIONS_TOKEN;

type Options = InvalidationModuleOptions;

/** Gives `resource` a Nest shutdown hook: each provider closes what it opened, after the transport stopped. */
function closedOnShutdown<T extends object>(resource: T, close: () => Promise<void>): T {
  const hook: OnApplicationShutdown = { onApplicationShutdown: close };
  return Object.assign(resource, hook);
}

const providers: Provider[] = [
  {
    provide: Kafka,
    inject: [MODULE_OPTIONS_TOKEN],
    useFactory: (options: Options) => createKafka(options.kafka, options.log ?? (() => undefined)),
  },
  {
    provide: RedisInvalidator,
    inject: [MODULE_OPTIONS_TOKEN],
    useFactory: (options: Options) => {
      const redis = RedisInvalidator.fromConfig(
        {
          ...options.redis,
          onConnectionError:
            options.redis.onConnectionError ??
            ((error) => options.log?.('warn', 'redis connection error', { error: error.message })),
        },
        options.redisOptions,
      );
      return closedOnShutdown(redis, () => redis.close());
    },
  },
  {
    provide: RULES_IN_FORCE,
    inject: [MODULE_OPTIONS_TOKEN],
    useFactory: async (options: Options): Promise<() => RuleSet> => {
      if (typeof options.rules === 'function') return options.rules;
      const ruleSet =
        options.rules === undefined ? compileRules([]) : await loadRules(options.rules);
      return () => ruleSet;
    },
  },
  {
    provide: CASCADE_LOOKUP,
    inject: [MODULE_OPTIONS_TOKEN, RULES_IN_FORCE],
    useFactory: (options: Options, rules: () => RuleSet) => connectLookup(options, rules()),
  },
  {
    provide: BATCH_OBSERVER,
    inject: [MODULE_OPTIONS_TOKEN],
    useFactory: (options: Options): BatchObserver => options.observer ?? silentObserver,
  },
  {
    provide: KafkaDeadLetterProducer,
    inject: [Kafka, MODULE_OPTIONS_TOKEN],
    useFactory: async (kafka: Kafka, options: Options) => {
      const producer = new KafkaDeadLetterProducer(kafka, options.deadLetterTopic);
      await producer.connect();
      return closedOnShutdown(producer, () => producer.disconnect());
    },
  },
  {
    provide: KafkaBatchConsumer,
    inject: [Kafka, MODULE_OPTIONS_TOKEN],
    useFactory: (kafka: Kafka, options: Options) =>
      new KafkaBatchConsumer(kafka, options.consumer, options.consumerListener),
  },
  { provide: ChangeHandlerRegistry, useValue: new ChangeHandlerRegistry() },
  {
    provide: MessagePreparer,
    inject: [MODULE_OPTIONS_TOKEN, CASCADE_LOOKUP, ChangeHandlerRegistry],
    useFactory: (options: Options, lookup: CascadeLookup, handlers: ChangeHandlerRegistry) =>
      new MessagePreparer(lookup, new BackoffPolicy(options.backoff), options.cascade, handlers),
  },
  {
    provide: PartitionBatchProcessor,
    inject: [
      MODULE_OPTIONS_TOKEN,
      RULES_IN_FORCE,
      MessagePreparer,
      RedisInvalidator,
      KafkaDeadLetterProducer,
      BATCH_OBSERVER,
    ],
    useFactory: (
      options: Options,
      rules: () => RuleSet,
      preparer: MessagePreparer,
      redis: RedisInvalidator,
      deadLetters: KafkaDeadLetterProducer,
      observer: BatchObserver,
    ) =>
      new PartitionBatchProcessor(
        {
          rules,
          preparer,
          applier: options.decorateApplier?.(redis) ?? redis,
          deadLetters,
          observer,
          backoff: new BackoffPolicy(options.backoff),
        },
        {
          ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
          ...(options.maxMessagesAwaitingSweeps === undefined
            ? {}
            : { maxMessagesAwaitingSweeps: options.maxMessagesAwaitingSweeps }),
        },
      ),
  },
  {
    provide: DebeziumTransport,
    inject: [KafkaBatchConsumer, PartitionBatchProcessor, ChangeHandlerRegistry],
    useFactory: (
      consumer: KafkaBatchConsumer,
      processor: PartitionBatchProcessor,
      handlers: ChangeHandlerRegistry,
    ) => new DebeziumTransport(consumer, processor, handlers),
  },
];

/**
 * Cache invalidation from Debezium change events inside a Nest app: the YAML rules and the
 * app's `@EventPattern`/`@OnChange` handlers, applied to Redis by the {@link DebeziumTransport}.
 * Connect the transport with `app.connectMicroservice({ strategy: app.get(DebeziumTransport) })`
 * and start it with `app.startAllMicroservices()`.
 */
@Module({
  providers,
  exports: [
    DebeziumTransport,
    KafkaBatchConsumer,
    RedisInvalidator,
    CASCADE_LOOKUP,
    RULES_IN_FORCE,
    BATCH_OBSERVER,
  ],
})
export class InvalidationModule extends ConfigurableModuleClass {}

/** The database behind cascade lookups; none when the rules declare no cascade. */
async function connectLookup(options: Options, ruleSet: RuleSet): Promise<CascadeLookup> {
  if (options.database === undefined) {
    if (ruleSet.edges.length > 0) {
      throw new InvalidatorError(
        'CONFIG_INVALID',
        `the rules declare ${ruleSet.edges.length} cascade(s), which need InvalidationModule's database.url (a postgres:// URL)`,
        { retriable: false },
      );
    }
    return noDatabase;
  }
  const db = await PgDatabase.connect(options.database.url, {
    applicationName: 'invalidator-cascades',
    ...(options.database.poolSize === undefined ? {} : { max: options.database.poolSize }),
    ...(options.database.statementTimeoutMs === undefined
      ? {}
      : { statementTimeoutMs: options.database.statementTimeoutMs }),
  });
  return closedOnShutdown(db, () => db.close());
}

/** For rule sets without cascades: any call is a bug in the rules engine, not a data problem. */
const noDatabase: CascadeLookup = {
  run: () =>
    Promise.reject(
      new InvalidatorError('NO_DATABASE', 'a cascade ran but no database is configured', {
        retriable: false,
      }),
    ),
};
