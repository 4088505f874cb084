import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin, Kafka, RecordMetadata } from 'kafkajs';
import { bucketDelta, bucketUpperBound, pause, waitFor } from '#local-pipeline';
import { DeletionWatcher, setProductKeys } from '../lib/deletions.js';
import { benchRules, debeziumUpdate } from '../lib/events.js';
import { createTopic, partitionOf } from '../lib/kafka.js';
import type { DedicatedRedis } from '../lib/redis-server.js';
import { ServiceProcess } from '../lib/service.js';
import { distribution, round, type Distribution } from '../lib/stats.js';

export interface RateLatency {
  offeredPerSecond: number;
  /** Rate actually produced (acks), over the producing window. */
  producedPerSecond: number;
  events: number;
  /** Events whose deletion was observed. */
  observed: number;
  /** Kafka append time (LogAppendTime) to the Redis deletion, ms. */
  appendToAck: Distribution;
  /** Upper bound of the service's own lag histogram bucket holding its p99 (source.ts_ms = produce time), ms. */
  serviceLagP99BucketMs: number;
  /** The service's chunks during this rate (from its log): time to apply each to Redis, ms. */
  chunkApplyMs: Distribution;
  /** … and events per chunk. */
  eventsPerChunk: Distribution;
  /** Sorted sample, thinned to at most 200 points, for the chart. */
  cdf: number[];
}

export interface LatencyOptions {
  runId: string;
  outDir: string;
  rates: readonly number[];
  seconds: number;
  redis: DedicatedRedis;
  timeoutMs: number;
  log: (line: string) => void;
  groups: string[];
  topics: string[];
}

export const LAG_HISTOGRAM = 'invalidator_invalidation_lag_seconds';

export function thin(samples: readonly number[], points = 200): number[] {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length <= points) return sorted;
  return Array.from({ length: points }, (_, i) =>
    round(
      sorted[Math.min(sorted.length - 1, Math.round(((i + 1) / points) * sorted.length) - 1)] ?? 0,
    ),
  );
}

/** Kafka append time to Redis acknowledgement at fixed offered rates, through one service. */
export async function latency(
  kafkaClient: Kafka,
  admin: Admin,
  options: LatencyOptions,
): Promise<RateLatency[]> {
  const { runId, outDir, log } = options;
  const prefix = `bench:${runId}:lat:`;
  const rulesPath = join(outDir, 'bench-rules-latency.yaml');
  writeFileSync(rulesPath, benchRules(prefix));
  const topics = options.rates.map((rate) => `bench.${runId}.lat${rate}`);
  for (const topic of topics) {
    await createTopic(admin, topic, true);
    options.topics.push(topic);
  }
  const idsOf = (index: number) => {
    const base = (index + 1) * 10_000_000;
    const count = Math.round((options.rates[index] ?? 0) * options.seconds);
    return Array.from({ length: count }, (_, i) => base + i);
  };
  const redis = options.redis.client('bench-latency');
  const watcher = await DeletionWatcher.start(options.redis.client('bench-latency-sub'), prefix);
  const groupId = `bench-${runId}-latency`;
  options.groups.push(groupId);
  const service = await ServiceProcess.start({
    name: 'bench-invalidator-latency',
    topics,
    groupId,
    dlqTopic: `bench.${runId}.dlq`,
    rulesPath,
    redisUrl: options.redis.url,
    logPath: join(outDir, 'service-latency.log'),
  });
  const producer = kafkaClient.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const results: RateLatency[] = [];
  try {
    for (const [index, rate] of options.rates.entries()) {
      const topic = topics[index] ?? '';
      const ids = idsOf(index);
      await setProductKeys(redis, prefix, ids);
      const before = (await service.metrics()).buckets(LAG_HISTOGRAM);
      const appendAt = new Map<number, number>();
      const pending = new Set<Promise<void>>();
      const start = Date.now();
      const hardStop = start + options.seconds * 1000 * 3 + 10_000;
      let sent = 0;
      let lastAck = start;
      while (sent < ids.length && Date.now() < hardStop) {
        const due = Math.min(ids.length, Math.floor(((Date.now() - start) / 1000) * rate) + 1);
        if (due > sent && pending.size < 64) {
          const batchIds = ids.slice(sent, due);
          sent = due;
          const producedAt = Date.now();
          const messages = batchIds.map((id) => ({
            ...debeziumUpdate(
              {
                id,
                categoryBefore: 5,
                categoryAfter: 5,
                brand: 1 + (id % 3),
                priceCents: 1000 + (id % 1000),
              },
              producedAt,
            ),
            partition: partitionOf(id),
          }));
          const promise = producer
            .send({ topic, acks: -1, messages })
            .then((metadata: RecordMetadata[]) => {
              const byPartition = new Map(metadata.map((m) => [m.partition, m]));
              for (const id of batchIds) {
                const appended = Number(byPartition.get(partitionOf(id))?.logAppendTime ?? -1);
                appendAt.set(id, appended > 0 ? appended : producedAt);
              }
              lastAck = Date.now();
            });
          pending.add(promise);
          void promise.finally(() => pending.delete(promise)).catch(() => undefined);
        }
        await pause(2);
      }
      await Promise.all(pending);
      const producedSeconds = Math.max(0.001, (lastAck - start) / 1000);
      await waitFor(
        () => {
          service.assertAlive();
          return ids.every((id) => watcher.deletedAt.has(id));
        },
        {
          what: `deletions of the ${ids.length} keys produced at ${rate}/s`,
          timeoutMs: options.timeoutMs,
          intervalMs: 100,
        },
      ).catch((error: unknown) => {
        log(`  ${String(error)}`);
      });
      const samples: number[] = [];
      for (const id of ids) {
        const deleted = watcher.deletedAt.get(id);
        const appended = appendAt.get(id);
        if (deleted !== undefined && appended !== undefined) samples.push(deleted - appended);
      }
      const after = (await service.metrics()).buckets(LAG_HISTOGRAM);
      const windowEnd = Date.now();
      const chunks = service.chunks().filter((c) => c.time >= start && c.time <= windowEnd);
      const delta = bucketDelta(before, after);
      const result: RateLatency = {
        offeredPerSecond: rate,
        producedPerSecond: round(sent / producedSeconds),
        events: ids.length,
        observed: samples.length,
        appendToAck: distribution(samples),
        serviceLagP99BucketMs: bucketUpperBound(delta, 0.99) * 1000,
        chunkApplyMs: distribution(chunks.map((c) => c.durationMs)),
        eventsPerChunk: distribution(chunks.map((c) => c.changes)),
        cdf: thin(samples),
      };
      results.push(result);
      log(
        `  ${rate}/s: p50 ${result.appendToAck.p50} ms, p99 ${result.appendToAck.p99} ms, max ${result.appendToAck.max} ms (${result.observed}/${result.events} observed)`,
      );
    }
  } finally {
    await producer.disconnect();
    await service.stop();
    await watcher.stop();
    redis.disconnect();
  }
  return results;
}
