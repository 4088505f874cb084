import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { createTopicsWithLeaders, endpoints, waitFor } from '#local-pipeline';
import type { BenchMessage } from './events.js';

export const PARTITIONS = 3;

export function kafka(clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: [...endpoints.kafkaBrokers],
    logLevel: logLevel.ERROR,
    connectionTimeout: 10_000,
    requestTimeout: 30_000,
  });
}

/** Creates `topic` (3 partitions, like Debezium's topics on the local broker). */
export async function createTopic(
  admin: Admin,
  topic: string,
  logAppendTime = false,
): Promise<void> {
  await createTopicsWithLeaders(admin, [
    {
      topic,
      numPartitions: PARTITIONS,
      replicationFactor: 1,
      configEntries: logAppendTime
        ? [{ name: 'message.timestamp.type', value: 'LogAppendTime' }]
        : [],
    },
  ]);
}

/** Sum of the partitions' end offsets. */
export async function endOffset(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

/** Sum of the group's committed offsets on `topic` (a partition never committed counts 0). */
export async function committedOffset(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<number> {
  const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (result?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

/** Waits until `groupId` committed every message of `topic`. */
export async function waitCommitted(
  admin: Admin,
  groupId: string,
  topic: string,
  total: number,
  timeoutMs: number,
): Promise<void> {
  await waitFor(async () => (await committedOffset(admin, groupId, topic)) >= total, {
    what: `group ${groupId} to commit ${total} offsets of ${topic}`,
    timeoutMs,
    intervalMs: 100,
  });
}

/** Partition of a product id: ids are spread by id, so one product's changes stay in order. */
export function partitionOf(id: number): number {
  return id % PARTITIONS;
}

/** Produces `messages` in batches of `batchSize`, at most `inFlight` batches at a time. */
export async function produceAll(
  producer: Producer,
  topic: string,
  messages: Iterable<BenchMessage & { partition: number }>,
  batchSize = 1_000,
  inFlight = 4,
): Promise<number> {
  let sent = 0;
  const pending = new Set<Promise<unknown>>();
  let batch: (BenchMessage & { partition: number })[] = [];
  const flush = async () => {
    const current = batch;
    batch = [];
    const promise = producer.send({ topic, acks: -1, messages: current });
    pending.add(promise);
    void promise.finally(() => pending.delete(promise)).catch(() => undefined);
    sent += current.length;
    if (pending.size >= inFlight) await Promise.race(pending);
  };
  for (const message of messages) {
    batch.push(message);
    if (batch.length >= batchSize) await flush();
  }
  if (batch.length > 0) await flush();
  await Promise.all(pending);
  return sent;
}

export async function deleteTopics(admin: Admin, topics: readonly string[]): Promise<void> {
  if (topics.length === 0) return;
  try {
    await admin.deleteTopics({ topics: [...topics], timeout: 30_000 });
  } catch {
    // Best effort: a topic that is gone or busy only costs disk space until the next reset.
  }
}

export async function deleteGroups(admin: Admin, groups: readonly string[]): Promise<void> {
  if (groups.length === 0) return;
  try {
    await admin.deleteGroups([...groups]);
  } catch {
    // Best effort, as above.
  }
}
