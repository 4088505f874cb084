import type { Admin, Consumer, ConsumerRunConfig, EachBatchPayload, Kafka } from 'kafkajs';
import type { ConsumedMessage, PartitionBatch } from '#invalidation';
import { TopicWatcher } from './topic-watcher.js';

/** How the consumer group reads. */
export interface KafkaBatchConsumerConfig {
  readonly groupId: string;
  /**
   * Topic names and/or patterns. kafkajs matches a pattern only when it subscribes, so a pattern
   * subscription also looks for new matching topics every {@link topicRefreshIntervalMs}.
   */
  readonly topics: readonly (string | RegExp)[];
  /**
   * Where a group with no committed offset starts: the beginning, so no change is missed.
   * @default true
   */
  readonly fromBeginning?: boolean;
  /** Partitions processed at the same time (order is kept within each). @default 3 */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * How long the coordinator waits for a heartbeat before it evicts the member and hands its
   * partitions to others (the gap after a crash). Batches heartbeat through every long step, so
   * this need not cover a step; the broker bounds it by `group.min.session.timeout.ms` (6 s by
   * default) and `group.max.session.timeout.ms`. @default 10000
   */
  readonly sessionTimeoutMs?: number;
  /** At most a third of the session timeout. @default 3000 */
  readonly heartbeatIntervalMs?: number;
  /**
   * How long a fetch waits for data. An idle kafkajs consumer heartbeats only between fetches,
   * so this must stay well under the heartbeat interval, or an idle member is evicted under a
   * short session timeout (kafkajs's own default, 5 s, is most of a 6 s session). @default 1000
   */
  readonly maxWaitTimeMs?: number;
  /**
   * The most a fetch returns per partition (the broker still sends a whole record batch if it is
   * larger). Bounds memory: a fetch's messages, and everything decoded and planned from them, stay
   * alive until every partition's batch is done, so V8 promotes them and the heap (with the
   * response buffers) grows by the fetch size many times over between full collections. At 1 MiB
   * the service peaked at 258–277 MiB RSS in the bench; at 256 KiB (about 350 Debezium updates of
   * 700 bytes, close to a chunk) at 223–253 MiB, with no more CPU per event. @default 262144
   */
  readonly maxBytesPerPartition?: number;
  /**
   * How often a subscription with a pattern lists the cluster's topics for new matching ones
   * (Debezium creates a table's topic with its first change). A new topic restarts the consumer
   * to subscribe to it: in-flight batches end and commit what they applied, then the member
   * rejoins the group (one rebalance). 0 turns the watch off. @default 30000
   */
  readonly topicRefreshIntervalMs?: number;
}

/** The consumer's defaults, written once; a config overrides only what it sets. */
export const KAFKA_CONSUMER_DEFAULTS = {
  fromBeginning: true,
  partitionsConsumedConcurrently: 3,
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 3_000,
  maxWaitTimeMs: 1_000,
  maxBytesPerPartition: 262_144,
  topicRefreshIntervalMs: 30_000,
} as const satisfies Required<Omit<KafkaBatchConsumerConfig, 'groupId' | 'topics'>>;

/** A partition of the group's assignment. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** What the consumer reports from kafkajs's own instrumentation. Methods must not throw. */
export interface ConsumerListener {
  /** Messages behind the partition's end after a batch (consumer lag). */
  lag?(topic: string, partition: number, lag: number): void;
  /** The member's partitions after each (re)join. */
  assigned?(partitions: readonly TopicPartition[]): void;
  /** New topics matching a pattern, about to be subscribed (the consumer restarts). */
  topicsAdded?(topics: readonly string[]): void;
  /** Listing topics for a pattern, or subscribing to new ones, failed; the next interval retries. */
  topicWatchFailed?(error: unknown): void;
}

/** Observable state, for readiness. */
export interface ConsumerState {
  /** In the group with partitions assigned (or waiting for some), not crashed or stopped. */
  readonly joined: boolean;
}

/**
 * The consumer group, on kafkajs `eachBatch` with manual offsets: the handler resolves offsets
 * once applied (kafkajs then fetches onward) and commits, separately, the offsets whose pattern
 * sweeps are done too. kafkajs's auto-commit is off: it would commit resolved offsets.
 */
export class KafkaBatchConsumer implements ConsumerState {
  private consumer: Consumer | null = null;
  private admin: Admin | null = null;
  private watchTimer: NodeJS.Timeout | null = null;
  /** The watch's check in progress (a restart included), awaited by {@link stop}. */
  private watching: Promise<void> | null = null;
  private joinedGroup = false;
  /** Bumped on each rebalance: a batch of an older epoch commits nothing. */
  private epoch = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly config: KafkaBatchConsumerConfig,
    private readonly listener: ConsumerListener = {},
  ) {}

  get joined(): boolean {
    return this.joinedGroup;
  }

  async start(handler: (batch: PartitionBatch) => Promise<void>): Promise<void> {
    const config = { ...KAFKA_CONSUMER_DEFAULTS, ...definedOnly(this.config) };
    const consumer = this.kafka.consumer({
      groupId: config.groupId,
      sessionTimeout: config.sessionTimeoutMs,
      heartbeatInterval: config.heartbeatIntervalMs,
      maxWaitTimeInMs: config.maxWaitTimeMs,
      maxBytesPerPartition: config.maxBytesPerPartition,
    });
    this.consumer = consumer;
    this.instrument(consumer);
    await consumer.connect();
    // Listed before subscribing: a topic created in between is then found new, not missed.
    const watcher = await this.startWatcher(config.topics, config.topicRefreshIntervalMs);
    await consumer.subscribe({
      topics: [...config.topics],
      fromBeginning: config.fromBeginning,
    });
    const run: ConsumerRunConfig = {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
      eachBatch: (payload) => handler(this.toPartitionBatch(payload)),
    };
    await consumer.run(run);
    if (watcher !== null) {
      this.watchTimer = setInterval(() => {
        // One check at a time: a slow listing skips intervals instead of queueing them.
        this.watching ??= this.subscribeNewTopics(
          consumer,
          watcher,
          run,
          config.fromBeginning,
        ).finally(() => {
          this.watching = null;
        });
      }, config.topicRefreshIntervalMs);
      this.watchTimer.unref();
    }
  }

  /**
   * Stops fetching, lets the in-flight batches end (they commit what they applied), leaves the
   * group and disconnects.
   */
  async stop(): Promise<void> {
    if (this.watchTimer !== null) clearInterval(this.watchTimer);
    this.watchTimer = null;
    const consumer = this.consumer;
    this.consumer = null;
    // A restart in progress ends first, so it cannot run the consumer again after it stopped.
    await this.watching;
    const admin = this.admin;
    this.admin = null;
    try {
      await consumer?.disconnect();
    } finally {
      await admin?.disconnect();
    }
  }

  // A watcher only for a subscription with a pattern and a refresh interval.
  private async startWatcher(
    topics: readonly (string | RegExp)[],
    intervalMs: number,
  ): Promise<TopicWatcher | null> {
    const patterns = topics.filter((t): t is RegExp => t instanceof RegExp);
    if (patterns.length === 0 || intervalMs <= 0) return null;
    const admin = this.kafka.admin();
    this.admin = admin;
    await admin.connect();
    const watcher = new TopicWatcher(admin, patterns);
    await watcher.baseline();
    return watcher;
  }

  // kafkajs subscribes only a stopped consumer: stop (in-flight batches end and commit), add the
  // new topics, run again. The group rebalances once for this member. A failed subscribe still
  // runs the consumer again on what it had, and the topics stay new for the next interval.
  private async subscribeNewTopics(
    consumer: Consumer,
    watcher: TopicWatcher,
    run: ConsumerRunConfig,
    fromBeginning: boolean,
  ): Promise<void> {
    if (this.consumer !== consumer) return;
    try {
      const added = await watcher.poll();
      if (added.length === 0 || this.consumer !== consumer) return;
      this.listener.topicsAdded?.(added);
      await consumer.stop();
      try {
        await consumer.subscribe({ topics: added, fromBeginning });
        watcher.accept(added);
      } finally {
        if (this.consumer === consumer) await consumer.run(run);
      }
    } catch (error) {
      this.listener.topicWatchFailed?.(error);
    }
  }

  private instrument(consumer: Consumer): void {
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.epoch += 1;
      this.joinedGroup = true;
      const assignment = Object.entries(event.payload.memberAssignment);
      this.listener.assigned?.(
        assignment.flatMap(([topic, partitions]) =>
          partitions.map((partition) => ({ topic, partition })),
        ),
      );
    });
    consumer.on(consumer.events.REBALANCING, () => {
      this.epoch += 1;
    });
    for (const event of [consumer.events.CRASH, consumer.events.STOP, consumer.events.DISCONNECT]) {
      consumer.on(event, () => {
        this.joinedGroup = false;
      });
    }
    consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
      const { topic, partition, offsetLag } = event.payload;
      this.listener.lag?.(topic, partition, Number(offsetLag));
    });
  }

  private toPartitionBatch(payload: EachBatchPayload): PartitionBatch {
    const { batch } = payload;
    const epoch = this.epoch;
    let lost = false;
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
      epoch,
      messages,
      resolveOffset: (offset) => {
        payload.resolveOffset(offset);
      },
      commit: async (offset) => {
        if (this.epoch !== epoch) return;
        // The group's committed offset is the next one to read. This payload function commits
        // through the consumer group directly, so it also works while the consumer stops.
        const next = (BigInt(offset) + 1n).toString();
        await payload.commitOffsetsIfNecessary({
          topics: [
            { topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] },
          ],
        });
      },
      heartbeat: async () => {
        try {
          await payload.heartbeat();
        } catch (error) {
          // The group is rebalancing or forgot this member: kafkajs rejoins on its own next
          // heartbeat; this batch is no longer wanted.
          if (isRebalanceError(error)) lost = true;
          else throw error;
        }
      },
      isRunning: () => payload.isRunning(),
      isStale: () => lost || this.epoch !== epoch || payload.isStale(),
    };
  }
}

const REBALANCE_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
]);

function isRebalanceError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('type' in error)) return false;
  return typeof error.type === 'string' && REBALANCE_ERRORS.has(error.type);
}

/** `config` without its undefined members, so spreading it over defaults keeps them. */
function definedOnly<T extends object>(config: T): T {
  return Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined)) as T;
}
