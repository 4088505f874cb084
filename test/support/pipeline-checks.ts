import type { IHeaders } from 'kafkajs';
import type { Redis } from 'ioredis';
import { waitFor } from '#local-pipeline';
import type { CdcPipeline } from './cdc-pipeline.js';
import { rowOf } from './debezium-rows.js';

/** One message read back with its headers (the collector keeps none). */
export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** Reads `topic` from the beginning until `predicate` has matched, returning all it read. */
export async function readTopicUntil(
  pipeline: CdcPipeline,
  topic: string,
  predicate: (messages: readonly ReadMessage[]) => boolean,
  timeoutMs = 60_000,
): Promise<ReadMessage[]> {
  const messages: ReadMessage[] = [];
  const consumer = pipeline.kafka.consumer({ groupId: `${topic}-reader-${String(Date.now())}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        messages.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          value: message.value?.toString('utf8') ?? null,
          headers: headersToStrings(message.headers ?? {}),
        });
        return Promise.resolve();
      },
    });
    await waitFor(() => predicate(messages), {
      timeoutMs,
      intervalMs: 100,
      what: `messages of ${topic}`,
    });
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

function headersToStrings(headers: IHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

/**
 * The promise "no offset is committed before its keys are deleted", checked once: reads the
 * offsets `groupId` committed on the products topic, then returns the update events below them
 * (among those of `ids`) whose key `existing` still reports. Keys are never set again by the
 * tests that use it, so a key still present below a committed offset is a broken promise.
 */
export async function keysBehindCommittedOffsets(
  pipeline: CdcPipeline,
  groupId: string,
  ids: ReadonlySet<string>,
  keyOf: (id: string) => string,
  existing: (keys: readonly string[]) => Promise<readonly string[]>,
): Promise<{ partition: number; offset: string; key: string }[]> {
  const topic = pipeline.topics.products;
  const committed = await pipeline.committedOffsets(groupId, topic);
  const behind = pipeline.collector.messages.flatMap((m) => {
    const row = m.topic === topic ? rowOf(m) : null;
    if (row?.op !== 'u' || !ids.has(row.id)) return [];
    const done = committed.get(m.partition) ?? -1n;
    return BigInt(m.offset) < done
      ? [{ partition: m.partition, offset: m.offset, key: keyOf(row.id) }]
      : [];
  });
  const present = new Set(await existing(behind.map((b) => b.key)));
  return behind.filter((b) => present.has(b.key));
}

/** Those of `keys` that exist in `redis`, in order (one EXISTS each, pipelined). */
export async function existingKeys(redis: Redis, keys: readonly string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const results = await redis.pipeline(keys.map((key) => ['exists', key])).exec();
  return keys.filter((_, i) => results?.[i]?.[1] === 1);
}
