import type { Admin, ITopicConfig } from 'kafkajs';
import { waitFor } from './condition-poller.js';

/** Options of {@link createTopicsWithLeaders}. */
export interface CreateTopicsOptions {
  /** How long to wait for every partition to have a leader. @default 30000 */
  readonly timeoutMs?: number;
}

/**
 * Creates `topics` and waits until each partition of each has a leader. Polls the metadata:
 * kafkajs' own waitForLeaders gives up on the broker's first UNKNOWN_TOPIC_OR_PARTITION.
 */
export async function createTopicsWithLeaders(
  admin: Admin,
  topics: readonly ITopicConfig[],
  options: CreateTopicsOptions = {},
): Promise<void> {
  // kafkajs' own wait for leaders fails with UNKNOWN_TOPIC_OR_PARTITION when metadata lags (a
  // loaded machine); the poll below tolerates that and waits for the leaders itself.
  await admin.createTopics({ topics: [...topics], waitForLeaders: false });
  for (const { topic } of topics) {
    await waitFor(
      async () => {
        const { topics: found } = await admin.fetchTopicMetadata({ topics: [topic] });
        const partitions = found[0]?.partitions ?? [];
        return partitions.length > 0 && partitions.every((p) => p.leader >= 0);
      },
      { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 100, what: `leaders of ${topic}` },
    );
  }
}

/** Last offset + 1 of each partition of `topic`. */
export async function endOffsets(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
}

/** The offsets `groupId` committed on `topic` (-1 for a partition without one). */
export async function committedOffsets(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<Map<number, bigint>> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((entry?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)] as const));
}

/** Whether `committed` reaches `end` on every partition that was ever written to. */
export function caughtUp(end: Map<number, bigint>, committed: Map<number, bigint>): boolean {
  for (const [partition, high] of end) {
    // A partition never written to has nothing to commit.
    if (high > 0n && (committed.get(partition) ?? -1n) < high) return false;
  }
  return true;
}

/** Options of {@link waitForCaughtUp}. */
export interface CaughtUpOptions {
  /** @default 120000 */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Waits until `groupId` has committed every message of each of `topics` (the end offset of each
 * partition); returns the committed offsets of the first topic.
 */
export async function waitForCaughtUp(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
  options: CaughtUpOptions = {},
): Promise<Map<number, bigint>> {
  return waitFor(
    async () => {
      let first: Map<number, bigint> | undefined;
      for (const topic of topics) {
        const [end, committed] = await Promise.all([
          endOffsets(admin, topic),
          committedOffsets(admin, groupId, topic),
        ]);
        if (!caughtUp(end, committed)) return false;
        first ??= committed;
      }
      return first ?? new Map<number, bigint>();
    },
    {
      timeoutMs: options.timeoutMs ?? 120_000,
      intervalMs: 250,
      what: `group ${groupId} caught up on ${topics.join(', ')}`,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    },
  );
}
