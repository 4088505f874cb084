import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { ConsumedMessage, PartitionBatch } from '#invalidation';

/** How the consumer group reads. */
export interface KafkaBatchConsumerConfig {
  readonly groupId: string;
  /** Topic names and/or patterns; kafkajs matches patterns against the topics that exist at start. */
  readonly topics: readonly (string | RegExp)[];
  /**
   * Where a group with no committed offset starts: the beginning, so no change is missed.
   * @default true
   */
  readonly fromBeginning?: boolean;
  /** Partitions processed at the same time (order is kept within each). @default 3 */
  readonly partitionsConsumedConcurrently?: number;
  /** @default 30000 */
  readonly sessionTimeoutMs?: number;
  /** @default 3000 */
  readonly heartbeatIntervalMs?: number;
  /** Resolved offsets are committed at least this often. @default 1000 */
  readonly autoCommitIntervalMs?: number;
  /** @default 1048576 */
  readonly maxBytesPerPartition?: number;
}

/** Observable state, for readiness. */
export interface ConsumerState {
  /** In the group with partitions assigned (or waiting for some), not crashed or stopped. */
  readonly joined: boolean;
}

/**
 * The consumer group, on kafkajs `eachBatch` with manual offset resolution: kafkajs commits only
 * offsets the handler resolved, so nothing is committed before its invalidations are applied.
 */
export class KafkaBatchConsumer implements ConsumerState {
  private consumer: Consumer | null = null;
  private joinedGroup = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly config: KafkaBatchConsumerConfig,
    private readonly onLag: (topic: string, partition: number, lag: number) => void = () =>
      undefined,
  ) {}

  get joined(): boolean {
    return this.joinedGroup;
  }

  async start(handler: (batch: PartitionBatch) => Promise<void>): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.config.groupId,
      sessionTimeout: this.config.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.config.heartbeatIntervalMs ?? 3_000,
      maxBytesPerPartition: this.config.maxBytesPerPartition ?? 1_048_576,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.joinedGroup = true;
    });
    for (const event of [consumer.events.CRASH, consumer.events.STOP, consumer.events.DISCONNECT]) {
      consumer.on(event, () => {
        this.joinedGroup = false;
      });
    }
    await consumer.connect();
    await consumer.subscribe({
      topics: [...this.config.topics],
      fromBeginning: this.config.fromBeginning ?? true,
    });
    await consumer.run({
      autoCommit: true,
      autoCommitInterval: this.config.autoCommitIntervalMs ?? 1_000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.config.partitionsConsumedConcurrently ?? 3,
      eachBatch: async (payload) => {
        await handler(toPartitionBatch(payload));
        this.onLag(payload.batch.topic, payload.batch.partition, Number(payload.batch.offsetLag()));
      },
    });
  }

  /** Stops fetching, lets the in-flight batches end, commits what was resolved, disconnects. */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    if (consumer === null) return;
    await consumer.disconnect();
  }
}

function toPartitionBatch(payload: EachBatchPayload): PartitionBatch {
  const { batch } = payload;
  const messages: ConsumedMessage[] = batch.messages.map((m) => ({
    topic: batch.topic,
    partition: batch.partition,
    offset: m.offset,
    key: m.key ?? null,
    value: m.value ?? null,
    headers: m.headers ?? {},
    timestamp: m.timestamp,
  }));
  return {
    topic: batch.topic,
    partition: batch.partition,
    messages,
    resolveOffset: (offset) => {
      payload.resolveOffset(offset);
    },
    commit: () => payload.commitOffsetsIfNecessary(),
    heartbeat: () => payload.heartbeat(),
    isRunning: () => payload.isRunning(),
    isStale: () => payload.isStale(),
  };
}
