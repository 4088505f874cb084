import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Logger } from 'pino';
import type { KafkaBatchConsumer, KafkaDeadLetterProducer } from '#kafka';
import type { PartitionBatchProcessor } from '#invalidation';
import type { RedisInvalidator } from '#redis-invalidation';
import type { ClosableLookup } from '../adapters/cascade-lookup.factory.js';
import { CASCADE_LOOKUP, LOGGER } from '../invalidator.tokens.js';
import { BATCH_PROCESSOR, CONSUMER, DEAD_LETTERS, REDIS } from './worker.tokens.js';

/**
 * Runs the consumer for the life of the application. Shutdown stops fetching first, lets the
 * in-flight batch end at a chunk boundary (nothing unapplied is resolved), commits, then closes
 * the connections.
 */
@Injectable()
export class InvalidationWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(CONSUMER) private readonly consumer: KafkaBatchConsumer,
    @Inject(BATCH_PROCESSOR) private readonly processor: PartitionBatchProcessor,
    @Inject(DEAD_LETTERS) private readonly deadLetters: KafkaDeadLetterProducer,
    @Inject(REDIS) private readonly redis: RedisInvalidator,
    @Inject(CASCADE_LOOKUP) private readonly lookup: ClosableLookup,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.deadLetters.connect();
    await this.consumer.start((batch) => this.processor.process(batch));
    this.logger.info('consumer started');
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.info({ signal }, 'stopping: no new batches; committing what was applied');
    await this.consumer.stop();
    // Sweeps still running stop at their next page; their events' offsets stay uncommitted.
    this.processor.close();
    await this.deadLetters.disconnect();
    await this.redis.close();
    await this.lookup.close();
    this.logger.info('stopped');
  }
}
