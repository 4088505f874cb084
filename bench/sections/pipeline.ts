import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import {
  bucketDelta,
  bucketUpperBound,
  histogramDelta,
  pause,
  waitFor,
  type LagDistribution,
} from '#local-pipeline';
import { BenchCatalog } from '../lib/catalog.js';
import { DeletionWatcher, setProductKeys } from '../lib/deletions.js';
import { benchRules } from '../lib/events.js';
import { createTopic } from '../lib/kafka.js';
import type { DedicatedRedis } from '../lib/redis-server.js';
import { ServiceProcess } from '../lib/service.js';
import { distribution, round, type Distribution } from '../lib/stats.js';
import { LAG_HISTOGRAM, thin } from './latency.js';

export interface PipelineLatency {
  offeredPerSecond: number;
  /** UPDATEs committed per second, over the updating window. */
  committedPerSecond: number;
  updates: number;
  observed: number;
  /** Client-side COMMIT acknowledgement to the Redis deletion, ms. */
  commitToAck: Distribution;
  /** Upper bound of the service's lag histogram bucket (source.ts_ms to Redis ack) holding its p99, ms. */
  serviceLagP99BucketMs: number;
  /** The same histogram's p50 bucket upper bound, ms. */
  serviceLagP50BucketMs: number;
  /** Commit acknowledgement to the Kafka record timestamp of Debezium's event (Debezium + Connect), ms. */
  commitToKafka: Distribution;
  /** Kafka record timestamp to the Redis deletion (the service), ms. */
  kafkaToAck: Distribution;
  cdf: number[];
  /** One UPDATE of many rows in one transaction (formerly bench/service-burst.mjs). */
  burst: {
    /** The service's `invalidator_invalidation_lag_seconds` over the burst (seconds); null if unseen. */
    serviceLag: LagDistribution | null;
    rows: number;
    /** Commit acknowledgement to the last row's deletion. */
    seconds: number;
    eventsPerSecond: number;
    commitToAck: Distribution;
  };
}

export interface PipelineOptions {
  runId: string;
  outDir: string;
  rate: number;
  seconds: number;
  burstRows: number;
  redis: DedicatedRedis;
  timeoutMs: number;
  log: (line: string) => void;
  groups: string[];
  topics: string[];
}

const FIRST_ID = 100_000;

/** PostgreSQL commit to Redis acknowledgement through Debezium, Kafka and the service. */
export async function pipeline(
  kafkaClient: Kafka,
  admin: Admin,
  options: PipelineOptions,
): Promise<PipelineLatency> {
  const { runId, outDir, log } = options;
  const updates = Math.round(options.rate * options.seconds);
  const probes = 60;
  const name = `bench_${runId}`;
  const catalog = await BenchCatalog.create(name, updates + probes + options.burstRows, FIRST_ID);
  const burstFirst = FIRST_ID + updates + probes;
  const prefix = `bench:${runId}:pipe:`;
  const rulesPath = join(outDir, 'bench-rules-pipeline.yaml');
  writeFileSync(rulesPath, benchRules(prefix, `${name}.products`));
  const redis = options.redis.client('bench-pipeline');
  let watcher: DeletionWatcher | undefined;
  let service: ServiceProcess | undefined;
  let stamps: Consumer | undefined;
  try {
    await createTopic(admin, catalog.productsTopic);
    options.topics.push(catalog.productsTopic, `__debezium-heartbeat.${name}`);
    // A side reader of Debezium's topic: the record timestamp of each row's event splits the
    // latency into Debezium + Connect (commit to Kafka) and the service (Kafka to Redis).
    const kafkaAt = new Map<number, number>();
    const stampsGroup = `bench-${runId}-pipeline-stamps`;
    options.groups.push(stampsGroup);
    stamps = kafkaClient.consumer({ groupId: stampsGroup });
    await stamps.connect();
    await stamps.subscribe({ topics: [catalog.productsTopic], fromBeginning: true });
    await stamps.run({
      eachMessage: ({ message }) => {
        const id = /"after":\{"id":(\d+)/.exec(message.value?.toString() ?? '')?.[1];
        if (id !== undefined && !kafkaAt.has(Number(id)))
          kafkaAt.set(Number(id), Number(message.timestamp));
        return Promise.resolve();
      },
    });
    watcher = await DeletionWatcher.start(options.redis.client('bench-pipeline-sub'), prefix);
    const groupId = `bench-${runId}-pipeline`;
    options.groups.push(groupId);
    service = await ServiceProcess.start({
      name: 'bench-invalidator-pipeline',
      topics: [catalog.productsTopic],
      groupId,
      dlqTopic: `bench.${runId}.dlq`,
      rulesPath,
      redisUrl: options.redis.url,
      logPath: join(outDir, 'service-pipeline.log'),
    });
    await catalog.registerConnector(options.timeoutMs);
    // Streaming starts once the slot exists: probe with one row at a time until a change arrives.
    const probeIds = Array.from({ length: probes }, (_, i) => FIRST_ID + updates + i);
    await setProductKeys(redis, prefix, probeIds);
    let streaming = false;
    for (const id of probeIds) {
      await catalog.update(id);
      streaming = await waitFor(() => watcher?.deletedAt.has(id), {
        what: 'a probe change',
        timeoutMs: 3_000,
        intervalMs: 20,
      })
        .then(() => true)
        .catch(() => false);
      if (streaming) break;
    }
    if (!streaming) throw new Error(`no change streamed from ${name} after ${probes} probes`);
    const active = watcher;

    const ids = Array.from({ length: updates }, (_, i) => FIRST_ID + i);
    await setProductKeys(redis, prefix, ids);
    const before = (await service.metrics()).buckets(LAG_HISTOGRAM);
    const committedAt = new Map<number, number>();
    const pending = new Set<Promise<void>>();
    const start = Date.now();
    const hardStop = start + options.seconds * 1000 * 3 + 10_000;
    let issued = 0;
    let lastCommit = start;
    let failures = 0;
    while (issued < ids.length && Date.now() < hardStop) {
      const due = Math.min(
        ids.length,
        Math.floor(((Date.now() - start) / 1000) * options.rate) + 1,
      );
      while (issued < due && pending.size < 64) {
        const id = ids[issued] ?? 0;
        issued++;
        const promise = catalog.update(id).then(
          () => {
            lastCommit = Date.now();
            committedAt.set(id, lastCommit);
          },
          () => {
            failures++;
          },
        );
        pending.add(promise);
        void promise.finally(() => pending.delete(promise));
      }
      await pause(2);
    }
    await Promise.all(pending);
    const seconds = Math.max(0.001, (lastCommit - start) / 1000);
    await waitFor(
      () => {
        service?.assertAlive();
        return [...committedAt.keys()].every((id) => active.deletedAt.has(id));
      },
      {
        what: `deletions of the ${committedAt.size} updated rows`,
        timeoutMs: options.timeoutMs,
        intervalMs: 100,
      },
    ).catch((error: unknown) => {
      log(`  ${String(error)}`);
    });
    service.assertAlive();
    const samples: number[] = [];
    const toKafka: number[] = [];
    const fromKafka: number[] = [];
    for (const [id, committed] of committedAt) {
      const deleted = active.deletedAt.get(id);
      if (deleted !== undefined) samples.push(deleted - committed);
      const appended = kafkaAt.get(id);
      if (appended !== undefined) toKafka.push(appended - committed);
      if (appended !== undefined && deleted !== undefined) fromKafka.push(deleted - appended);
    }
    const steady = (await service.metrics()).buckets(LAG_HISTOGRAM);
    const delta = bucketDelta(before, steady);

    // The burst: one statement updating many rows, as bench/service-burst.mjs measured it.
    const burstIds = Array.from({ length: options.burstRows }, (_, i) => burstFirst + i);
    await setProductKeys(redis, prefix, burstIds);
    await catalog.updateRange(burstFirst, burstFirst + options.burstRows - 1);
    const burstCommitted = Date.now();
    await waitFor(() => burstIds.every((id) => active.deletedAt.has(id)), {
      what: `deletions of the ${options.burstRows} rows of the burst`,
      timeoutMs: options.timeoutMs,
      intervalMs: 50,
    }).catch((error: unknown) => {
      log(`  ${String(error)}`);
    });
    // The service's own view of the burst: its lag histogram, once every row was observed there.
    const burstMetrics = await waitFor(
      async () => {
        const lag = histogramDelta(
          steady,
          (await service?.metrics())?.buckets(LAG_HISTOGRAM) ?? steady,
        );
        return lag.observations >= options.burstRows ? lag : undefined;
      },
      {
        what: 'the burst in the service lag histogram',
        timeoutMs: options.timeoutMs,
        intervalMs: 100,
      },
    ).catch((error: unknown): LagDistribution | null => {
      log(`  ${String(error)}`);
      return null;
    });
    const burstSamples = burstIds.flatMap((id) => {
      const deleted = active.deletedAt.get(id);
      return deleted === undefined ? [] : [deleted - burstCommitted];
    });
    const burstSeconds = Math.max(0.001, Math.max(0, ...burstSamples) / 1000);
    const result: PipelineLatency = {
      offeredPerSecond: options.rate,
      committedPerSecond: round(committedAt.size / seconds),
      updates: committedAt.size,
      observed: samples.length,
      commitToAck: distribution(samples),
      serviceLagP99BucketMs: bucketUpperBound(delta, 0.99) * 1000,
      serviceLagP50BucketMs: bucketUpperBound(delta, 0.5) * 1000,
      commitToKafka: distribution(toKafka),
      kafkaToAck: distribution(fromKafka),
      cdf: thin(samples),
      burst: {
        rows: burstSamples.length,
        seconds: round(burstSeconds, 3),
        eventsPerSecond: round(burstSamples.length / burstSeconds),
        commitToAck: distribution(burstSamples),
        serviceLag: burstMetrics,
      },
    };
    log(
      `  pipeline ${options.rate}/s (${result.committedPerSecond}/s committed, ${failures} failed): p50 ${result.commitToAck.p50} ms, p99 ${result.commitToAck.p99} ms, max ${result.commitToAck.max} ms; commit->kafka p50 ${result.commitToKafka.p50} p99 ${result.commitToKafka.p99}, kafka->ack p50 ${result.kafkaToAck.p50} p99 ${result.kafkaToAck.p99}`,
    );
    log(
      `  burst of ${result.burst.rows} rows in one UPDATE: ${result.burst.eventsPerSecond} events/s, commit->last ack ${result.burst.seconds} s`,
    );
    return result;
  } finally {
    await stamps?.disconnect();
    await service?.stop();
    await watcher?.stop();
    redis.disconnect();
    await catalog.drop();
  }
}
