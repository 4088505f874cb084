import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { createTopicsWithLeaders, endpoints } from '#local-pipeline';

export interface CollectedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** The raw value as Debezium wrote it; null for a tombstone. */
  value: string | null;
}

/**
 * Reads topics from the beginning with a consumer group of its own and keeps every message, so a
 * test can wait for the event its change must produce.
 */
export class KafkaCollector {
  readonly messages: CollectedMessage[] = [];
  private readonly waiters = new Set<() => void>();
  private constructor(private readonly consumer: Consumer) {}

  static async start(topics: (string | RegExp)[], groupId: string): Promise<KafkaCollector> {
    const kafka = new Kafka({
      clientId: groupId,
      brokers: [...endpoints.kafkaBrokers],
      logLevel: logLevel.ERROR,
    });
    // Subscribing to a topic that does not exist yet fails, so named topics are created first.
    const admin = kafka.admin();
    await admin.connect();
    const named = topics.filter((t): t is string => typeof t === 'string');
    try {
      await createTopicsWithLeaders(
        admin,
        named.map((topic) => ({ topic })),
      );
    } finally {
      await admin.disconnect();
    }
    const consumer = kafka.consumer({ groupId });
    const collector = new KafkaCollector(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ topic, partition, message }) => {
        collector.messages.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          value: message.value?.toString('utf8') ?? null,
        });
        for (const wake of collector.waiters) wake();
        return Promise.resolve();
      },
    });
    return collector;
  }

  /** Resolves with the first message matching `predicate`, or rejects after `timeoutMs`. */
  waitFor(
    predicate: (m: CollectedMessage) => boolean,
    timeoutMs = 60_000,
  ): Promise<CollectedMessage> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.messages.find(predicate);
        if (found === undefined) return false;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(`no matching message within ${timeoutMs} ms (${this.messages.length} seen)`),
        );
      }, timeoutMs);
      if (!check()) this.waiters.add(check);
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
