import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
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
import { ConsumerLagSampler, type ConsumerLag } from '../lib/consumer-lag.js';
import { DeletionWatcher, setProductKeys } from '../lib/deletions.js';
import { benchRules } from '../lib/events.js';
import { createTopic } from '../lib/kafka.js';
import type { DedicatedRedis } from '../lib/redis-server.js';
import { ServiceProcess } from '../lib/service.js';
import { distribution, round, type Distribution } from '../lib/stats.js';
import { LAG_HISTOGRAM, thin } from './latency.js';

/** One paced run of single-row UPDATEs through Debezium, Kafka and the service, at one rate. */
export interface PipelineRun {
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
  /** The service group's lag behind Debezium's topic (committed offsets), sampled every second. */
  consumerLag: ConsumerLag;
}

/** The burst: one UPDATE of many rows in one transaction (formerly bench/service-burst.mjs). */
export interface PipelineBurst {
  /** The service's `invalidator_invalidation_lag_seconds` over the burst (seconds); null if unseen. */
  serviceLag: LagDistribution | null;
  rows: number;
  /** Commit acknowledgement to the last row's deletion. */
  seconds: number;
  eventsPerSecond: number;
  commitToAck: Distribution;
}

/** The pipeline section: its first rate (1,000/s) in full, the higher rates as rows. */
export interface PipelineLatency extends PipelineRun {
  cdf: number[];
  burst: PipelineBurst;
  /** The same measurement at each further offered rate (5,000/s), same run. */
  higherRates: PipelineRun[];
}

export interface PipelineOptions {
  runId: string;
  outDir: string;
  /** Offered UPDATEs per second, one run each; the first one also gets the burst. */
  rates: readonly number[];
  seconds: number;
  /**
   * Updates at the same rate before the measured ones, not counted: each run starts a new
   * connector and a new service, whose first seconds (JIT, first offset flush) a running
   * pipeline does not have. 0: none.
   */
  warmupSeconds: number;
  burstRows: number;
  redis: DedicatedRedis;
  timeoutMs: number;
  log: (line: string) => void;
  groups: string[];
  topics: string[];
}

/** What {@link measurePipeline} runs: one catalog, one connector, one service, one rate. */
export interface PipelineRunOptions extends Omit<PipelineOptions, 'rates' | 'burstRows'> {
  /** Distinguishes the schema, topic, group and keys of this run from the run's others. */
  label: string;
  rate: number;
  /** 0: no burst after the paced updates. */
  burstRows: number;
  /** Rules for `prefix` and the table; default: the demo product rule without search. */
  rules?: (prefix: string, table: string) => string;
  /** Another build of the service (the pre-issue-10 one); default: this repository's. */
  serviceMain?: string;
  /** How long to wait for the last deletions after the last commit; default `timeoutMs`. */
  drainTimeoutMs?: number;
}

const FIRST_ID = 100_000;
const PROBES = 60;

/** PostgreSQL commit to Redis acknowledgement through Debezium, Kafka and the service. */
export async function pipeline(
  kafkaClient: Kafka,
  admin: Admin,
  options: PipelineOptions,
): Promise<PipelineLatency> {
  const [first, ...others] = options.rates;
  if (first === undefined) throw new Error('pipeline: no rate to offer');
  const main = await measurePipeline(kafkaClient, admin, {
    ...options,
    label: 'pipe',
    rate: first,
  });
  if (main.burst === null) throw new Error('pipeline: the burst did not run');
  const higherRates: PipelineRun[] = [];
  for (const rate of others) {
    const run = await measurePipeline(kafkaClient, admin, {
      ...options,
      label: `pipe${rate}`,
      rate,
      burstRows: 0,
    });
    higherRates.push(run.run);
  }
  return { ...main.run, cdf: main.cdf, burst: main.burst, higherRates };
}

/** One run: paced single-row UPDATEs at `rate` for `seconds`, then optionally the burst. */
export async function measurePipeline(
  kafkaClient: Kafka,
  admin: Admin,
  options: PipelineRunOptions,
): Promise<{ run: PipelineRun; cdf: number[]; burst: PipelineBurst | null }> {
  const { runId, outDir, label } = options;
  const updates = Math.round(options.rate * options.seconds);
  const warmups = Math.round(options.rate * options.warmupSeconds);
  const name = `bench_${runId}_${label}`;
  const catalog = await BenchCatalog.create(
    name,
    updates + PROBES + options.burstRows + warmups,
    FIRST_ID,
  );
  const prefix = `bench:${runId}:${label}:`;
  const rulesPath = join(outDir, `bench-rules-${label}.yaml`);
  writeFileSync(rulesPath, (options.rules ?? benchRules)(prefix, `${name}.products`));
  const redis = options.redis.client(`bench-${label}`);
  let watcher: DeletionWatcher | undefined;
  let service: ServiceProcess | undefined;
  let stamps: KafkaStamps | undefined;
  let lag: ConsumerLagSampler | undefined;
  try {
    await createTopic(admin, catalog.productsTopic);
    options.topics.push(catalog.productsTopic, `__debezium-heartbeat.${name}`);
    stamps = await KafkaStamps.start(
      kafkaClient,
      catalog.productsTopic,
      `bench-${runId}-${label}-stamps`,
    );
    options.groups.push(stamps.groupId);
    watcher = await DeletionWatcher.start(options.redis.client(`bench-${label}-sub`), prefix);
    const groupId = `bench-${runId}-${label}`;
    options.groups.push(groupId);
    service = await ServiceProcess.start({
      name: `bench-invalidator-${label}`,
      topics: [catalog.productsTopic],
      groupId,
      dlqTopic: `bench.${runId}.dlq`,
      rulesPath,
      redisUrl: options.redis.url,
      logPath: join(outDir, `service-${label}.log`),
      ...(options.serviceMain === undefined ? {} : { main: options.serviceMain }),
    });
    await catalog.registerConnector(options.timeoutMs);
    await probeStreaming(catalog, redis, prefix, watcher, FIRST_ID + updates);
    await warmUp(catalog, redis, prefix, watcher, service, {
      first: FIRST_ID + updates + PROBES + options.burstRows,
      count: warmups,
      rate: options.rate,
      timeoutMs: options.drainTimeoutMs ?? options.timeoutMs,
      log: options.log,
    });
    const ids = Array.from({ length: updates }, (_, i) => FIRST_ID + i);
    await setProductKeys(redis, prefix, ids);
    const before = (await service.metrics()).buckets(LAG_HISTOGRAM);
    lag = ConsumerLagSampler.start(admin, groupId, catalog.productsTopic);
    const offered = await offerUpdates(catalog, ids, options.rate, options.seconds);
    const active = watcher;
    const running = service;
    await awaitDeletions(offered.committedAt, active, running, {
      what: 'updated rows',
      timeoutMs: options.drainTimeoutMs ?? options.timeoutMs,
      log: options.log,
    });
    service.assertAlive();
    const consumerLag = await lag.stop();
    const steady = (await service.metrics()).buckets(LAG_HISTOGRAM);
    const legs = splitLegs(offered.committedAt, active.deletedAt, stamps.appendedAt);
    const delta = bucketDelta(before, steady);
    const run: PipelineRun = {
      offeredPerSecond: options.rate,
      committedPerSecond: round(offered.committedAt.size / offered.seconds),
      updates: offered.committedAt.size,
      observed: legs.commitToAck.length,
      commitToAck: distribution(legs.commitToAck),
      serviceLagP99BucketMs: bucketUpperBound(delta, 0.99) * 1000,
      serviceLagP50BucketMs: bucketUpperBound(delta, 0.5) * 1000,
      commitToKafka: distribution(legs.commitToKafka),
      kafkaToAck: distribution(legs.kafkaToAck),
      consumerLag,
    };
    options.log(
      `  ${label} ${options.rate}/s (${run.committedPerSecond}/s committed, ${offered.failures} failed, ${run.observed}/${run.updates} observed): p50 ${run.commitToAck.p50} ms, p99 ${run.commitToAck.p99} ms, max ${run.commitToAck.max} ms; commit->kafka p50 ${run.commitToKafka.p50} p99 ${run.commitToKafka.p99}, kafka->ack p50 ${run.kafkaToAck.p50} p99 ${run.kafkaToAck.p99}; consumer lag max ${consumerLag.maxMessages}, at the end ${consumerLag.endMessages}`,
    );
    const burst =
      options.burstRows > 0
        ? await measureBurst(catalog, redis, prefix, active, running, steady, {
            first: FIRST_ID + updates + PROBES,
            rows: options.burstRows,
            timeoutMs: options.timeoutMs,
            log: options.log,
          })
        : null;
    return { run, cdf: thin(legs.commitToAck), burst };
  } finally {
    await lag?.stop();
    await stamps?.stop();
    await service?.stop();
    await watcher?.stop();
    redis.disconnect();
    await catalog.drop();
  }
}

/**
 * A side reader of Debezium's topic: the record timestamp of each row's event splits the latency
 * into Debezium + Connect (commit to Kafka) and the service (Kafka to Redis).
 */
class KafkaStamps {
  readonly appendedAt = new Map<number, number>();

  private constructor(
    private readonly consumer: Consumer,
    readonly groupId: string,
  ) {}

  static async start(kafkaClient: Kafka, topic: string, groupId: string): Promise<KafkaStamps> {
    const stamps = new KafkaStamps(kafkaClient.consumer({ groupId }), groupId);
    await stamps.consumer.connect();
    await stamps.consumer.subscribe({ topics: [topic], fromBeginning: true });
    await stamps.consumer.run({
      eachMessage: ({ message }) => {
        const id = /"after":\{"id":(\d+)/.exec(message.value?.toString() ?? '')?.[1];
        if (id !== undefined && !stamps.appendedAt.has(Number(id)))
          stamps.appendedAt.set(Number(id), Number(message.timestamp));
        return Promise.resolve();
      },
    });
    return stamps;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** Streaming starts once the slot exists: probe with one row at a time until a change arrives. */
async function probeStreaming(
  catalog: BenchCatalog,
  redis: Redis,
  prefix: string,
  watcher: DeletionWatcher,
  firstProbe: number,
): Promise<void> {
  const probeIds = Array.from({ length: PROBES }, (_, i) => firstProbe + i);
  await setProductKeys(redis, prefix, probeIds);
  for (const id of probeIds) {
    await catalog.update(id);
    const streaming = await waitFor(() => watcher.deletedAt.has(id), {
      what: 'a probe change',
      timeoutMs: 3_000,
      intervalMs: 20,
    })
      .then(() => true)
      .catch(() => false);
    if (streaming) return;
  }
  throw new Error(`no change streamed from ${catalog.name} after ${PROBES} probes`);
}

/**
 * Paced updates that are not measured, then their deletions (a service too slow to finish them
 * is left to the measurement).
 */
async function warmUp(
  catalog: BenchCatalog,
  redis: Redis,
  prefix: string,
  watcher: DeletionWatcher,
  service: ServiceProcess,
  options: {
    first: number;
    count: number;
    rate: number;
    timeoutMs: number;
    log: (line: string) => void;
  },
): Promise<void> {
  if (options.count === 0) return;
  const ids = Array.from({ length: options.count }, (_, i) => options.first + i);
  await setProductKeys(redis, prefix, ids);
  const offered = await offerUpdates(catalog, ids, options.rate, options.count / options.rate);
  await awaitDeletions(offered.committedAt, watcher, service, { ...options, what: 'warm-up rows' });
}

/** Waits until every committed row's key is deleted; a timeout is logged, not thrown. */
async function awaitDeletions(
  committedAt: ReadonlyMap<number, number>,
  watcher: DeletionWatcher,
  service: ServiceProcess,
  options: { what: string; timeoutMs: number; log: (line: string) => void },
): Promise<void> {
  await waitFor(
    () => {
      service.assertAlive();
      return [...committedAt.keys()].every((id) => watcher.deletedAt.has(id));
    },
    {
      what: `deletions of the ${committedAt.size} ${options.what}`,
      timeoutMs: options.timeoutMs,
      intervalMs: 100,
    },
  ).catch((error: unknown) => {
    options.log(`  ${String(error)}`);
  });
}

/** Single-row autocommit UPDATEs of `ids` paced at `rate`, at most 64 in flight. */
async function offerUpdates(
  catalog: BenchCatalog,
  ids: readonly number[],
  rate: number,
  seconds: number,
): Promise<{ committedAt: Map<number, number>; seconds: number; failures: number }> {
  const committedAt = new Map<number, number>();
  const pending = new Set<Promise<void>>();
  const start = Date.now();
  const hardStop = start + seconds * 1000 * 3 + 10_000;
  let issued = 0;
  let lastCommit = start;
  let failures = 0;
  while (issued < ids.length && Date.now() < hardStop) {
    const due = Math.min(ids.length, Math.floor(((Date.now() - start) / 1000) * rate) + 1);
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
  return { committedAt, seconds: Math.max(0.001, (lastCommit - start) / 1000), failures };
}

/** Per committed row: commit → deletion, commit → Kafka record timestamp, Kafka → deletion. */
function splitLegs(
  committedAt: ReadonlyMap<number, number>,
  deletedAt: ReadonlyMap<number, number>,
  appendedAt: ReadonlyMap<number, number>,
): { commitToAck: number[]; commitToKafka: number[]; kafkaToAck: number[] } {
  const commitToAck: number[] = [];
  const commitToKafka: number[] = [];
  const kafkaToAck: number[] = [];
  for (const [id, committed] of committedAt) {
    const deleted = deletedAt.get(id);
    if (deleted !== undefined) commitToAck.push(deleted - committed);
    const appended = appendedAt.get(id);
    if (appended !== undefined) commitToKafka.push(appended - committed);
    if (appended !== undefined && deleted !== undefined) kafkaToAck.push(deleted - appended);
  }
  return { commitToAck, commitToKafka, kafkaToAck };
}

/** The burst: one statement updating many rows, as bench/service-burst.mjs measured it. */
async function measureBurst(
  catalog: BenchCatalog,
  redis: Redis,
  prefix: string,
  watcher: DeletionWatcher,
  service: ServiceProcess,
  steady: ReturnType<Awaited<ReturnType<ServiceProcess['metrics']>>['buckets']>,
  options: { first: number; rows: number; timeoutMs: number; log: (line: string) => void },
): Promise<PipelineBurst> {
  const burstIds = Array.from({ length: options.rows }, (_, i) => options.first + i);
  await setProductKeys(redis, prefix, burstIds);
  await catalog.updateRange(options.first, options.first + options.rows - 1);
  const burstCommitted = Date.now();
  await waitFor(() => burstIds.every((id) => watcher.deletedAt.has(id)), {
    what: `deletions of the ${options.rows} rows of the burst`,
    timeoutMs: options.timeoutMs,
    intervalMs: 50,
  }).catch((error: unknown) => {
    options.log(`  ${String(error)}`);
  });
  // The service's own view of the burst: its lag histogram, once every row was observed there.
  const serviceLag = await waitFor(
    async () => {
      const lag = histogramDelta(steady, (await service.metrics()).buckets(LAG_HISTOGRAM));
      return lag.observations >= options.rows ? lag : undefined;
    },
    {
      what: 'the burst in the service lag histogram',
      timeoutMs: options.timeoutMs,
      intervalMs: 100,
    },
  ).catch((error: unknown): LagDistribution | null => {
    options.log(`  ${String(error)}`);
    return null;
  });
  const samples = burstIds.flatMap((id) => {
    const deleted = watcher.deletedAt.get(id);
    return deleted === undefined ? [] : [deleted - burstCommitted];
  });
  const seconds = Math.max(0.001, Math.max(0, ...samples) / 1000);
  const burst: PipelineBurst = {
    rows: samples.length,
    seconds: round(seconds, 3),
    eventsPerSecond: round(samples.length / seconds),
    commitToAck: distribution(samples),
    serviceLag,
  };
  options.log(
    `  burst of ${burst.rows} rows in one UPDATE: ${burst.eventsPerSecond} events/s, commit->last ack ${burst.seconds} s`,
  );
  return burst;
}
