import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { leaseKeyFor, tagSetKeyFor } from '#cache-keys';
import { decodeMessage } from '#debezium';
import { compileRules, evaluate } from '#rules';
import { endpoints, waitFor } from '#local-pipeline';
import { ownCpuMs, run } from '../lib/env.js';
import {
  benchRules,
  debeziumUpdate,
  keysOf,
  productUpdates,
  type Workload,
} from '../lib/events.js';
import { createTopic, endOffset, partitionOf, produceAll, waitCommitted } from '../lib/kafka.js';
import { deletePrefix, populateCache } from '../lib/populate.js';
import { ServiceProcess } from '../lib/service.js';
import { distribution, round, type Distribution } from '../lib/stats.js';
import { profileService, type ProfileSummary } from './profile.js';

export interface ThroughputOptions {
  runId: string;
  outDir: string;
  events: number;
  workload: Workload;
  /** The naive consumer stops after this long even if it has not read everything. */
  naiveTimeLimitMs: number;
  redisBenchRequests: number;
  /** Drain deadline for the service and the ceiling. */
  timeoutMs: number;
  profile: boolean;
  log: (line: string) => void;
  groups: string[];
  topics: string[];
}

/** One consumer's rate, from its group join to the end of its last unit of work. */
export interface ConsumerRate {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** Cache keys the rules name per second (events/s times keys per event, before coalescing). */
  keysPerSecond: number;
  /** True when the run stopped at its time limit before the end of the topic. */
  capped: boolean;
  /**
   * The consumer's own CPU time (user + system) per event, in µs: steadier than rates on a shared
   * machine. The service's is read from /proc for its process after readiness; the in-process
   * consumers' from `process.cpuUsage()` around their run.
   */
  cpuUsPerEvent: number;
}

export interface ThroughputResult {
  events: number;
  keysPerEvent: number;
  produceSeconds: number;
  service: ConsumerRate & {
    /** Distinct keys UNLINKed per second after per-chunk coalescing (from the service's metrics). */
    distinctKeysPerSecond: number;
    chunks: number;
    chunkMs: Distribution;
    deadLetters: number;
    peakRssMiB: number;
    rss: [number, number][];
  };
  naive: ConsumerRate & { redisCommandsPerEvent: number };
  ceiling: ConsumerRate;
  /** The same kafkajs consumer, `JSON.parse`-ing each value: the cost of reading the events at all. */
  decodeCeiling: ConsumerRate;
  /**
   * The least a kafkajs + ioredis invalidator does: `JSON.parse`, the bench rule's keys rendered
   * inline, each batch's keys, leases and tag members unlinked in one pipeline. No validation,
   * `when.changed`, exact numbers, retries, dead letters or per-partition offsets.
   */
  floor: ConsumerRate;
  /** The same floor without the tags: reading the events and unlinking their keys, nothing more. */
  keysFloor: ConsumerRate;
  redisBenchmark: {
    /** Pipelined single-key UNLINK (-P 100). */
    unlinkPerSecond: number;
    /** Pipelined 10-key UNLINK: keys per second. */
    unlink10KeysPerSecond: number;
  };
  ratios: {
    serviceOverNaive: number;
    serviceOverCeiling: number;
    serviceOverDecodeCeiling: number;
    serviceOverFloor: number;
    /** The floor's events/s over the no-op ceiling's: how far any such service could get. */
    floorOverCeiling: number;
    floorOverDecodeCeiling: number;
    keysFloorOverCeiling: number;
    keysFloorOverDecodeCeiling: number;
    /** Service CPU per event over the decode-inclusive ceiling's. */
    serviceCpuOverDecodeCeiling: number;
    serviceKeysOverRedisCeiling: number;
  };
  profile: ProfileSummary | null;
}

export async function throughput(
  kafkaClient: Kafka,
  admin: Admin,
  options: ThroughputOptions,
): Promise<ThroughputResult> {
  const { runId, outDir, log } = options;
  const topic = `bench.${runId}.products`;
  const prefix = `bench:${runId}:tp:`;
  const rulesPath = join(outDir, 'bench-rules.yaml');
  writeFileSync(rulesPath, benchRules(prefix));

  // 1. The topic, pre-filled.
  await createTopic(admin, topic);
  options.topics.push(topic);
  let keysTotal = 0;
  const now = Date.now();
  const producer = kafkaClient.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const produceStart = Date.now();
  try {
    const messages = function* () {
      for (const update of productUpdates(options.events, options.workload)) {
        keysTotal += keysOf(update);
        yield { ...debeziumUpdate(update, now), partition: partitionOf(update.id) };
      }
    };
    await produceAll(producer, topic, messages());
  } finally {
    await producer.disconnect();
  }
  const produceSeconds = (Date.now() - produceStart) / 1000;
  const total = await endOffset(admin, topic);
  if (total !== options.events)
    throw new Error(`${topic} holds ${total} messages, expected ${options.events}`);
  const keysPerEvent = keysTotal / total;
  log(
    `  topic ${topic}: ${total} events (${round(keysPerEvent)} keys + 1 tag each) in ${round(produceSeconds, 1)} s`,
  );

  const redis = new Redis(endpoints.redisUrl, { connectionName: 'bench-naive' });
  try {
    // 2a. The service.
    await populateCache(redis, prefix, options.workload);
    const service = await runService(admin, options, topic, total, rulesPath);
    log(
      `  invalidator: ${round(service.eventsPerSecond)} events/s, peak RSS ${round(service.peakRssMiB, 1)} MiB`,
    );

    // 2b. The naive consumer.
    await populateCache(redis, prefix, options.workload);
    const naive = await runNaive(kafkaClient, redis, options, topic, total, prefix);
    log(`  naive: ${round(naive.eventsPerSecond)} events/s${naive.capped ? ' (time-capped)' : ''}`);

    // 2c. The no-op ceiling, then the decode-inclusive one.
    const ceiling = await runCeiling(kafkaClient, options, topic, total, 'none');
    log(`  ceiling: ${round(ceiling.eventsPerSecond)} events/s`);
    const decodeCeiling = await runCeiling(kafkaClient, options, topic, total, 'json');
    log(`  decode ceiling: ${round(decodeCeiling.eventsPerSecond)} events/s`);
    await populateCache(redis, prefix, options.workload);
    const floor = await runFloor(kafkaClient, redis, options, { topic, total, prefix, tags: true });
    log(`  floor: ${round(floor.eventsPerSecond)} events/s`);
    await populateCache(redis, prefix, options.workload);
    const keysFloor = await runFloor(kafkaClient, redis, options, {
      topic,
      total,
      prefix,
      tags: false,
    });
    log(`  keys-only floor: ${round(keysFloor.eventsPerSecond)} events/s`);

    // 2d. redis-benchmark.
    const redisBenchmark = await runRedisBenchmark(options.redisBenchRequests, prefix);
    log(`  redis-benchmark UNLINK -P 100: ${round(redisBenchmark.unlinkPerSecond)} keys/s`);

    const withKeys = (r: Omit<ConsumerRate, 'keysPerSecond'>): ConsumerRate => ({
      ...r,
      keysPerSecond: r.eventsPerSecond * keysPerEvent,
    });
    const serviceRate = withKeys(service);
    const profile = options.profile
      ? await profileService(admin, { ...options, topic, total, rulesPath })
      : null;
    return {
      events: total,
      keysPerEvent: round(keysPerEvent, 3),
      produceSeconds: round(produceSeconds, 1),
      service: { ...service, ...serviceRate },
      naive: { ...withKeys(naive), redisCommandsPerEvent: naive.redisCommandsPerEvent },
      ceiling: withKeys(ceiling),
      decodeCeiling: withKeys(decodeCeiling),
      floor: withKeys(floor),
      keysFloor: withKeys(keysFloor),
      redisBenchmark,
      ratios: {
        serviceOverNaive: round(service.eventsPerSecond / naive.eventsPerSecond),
        serviceOverCeiling: round(service.eventsPerSecond / ceiling.eventsPerSecond, 3),
        serviceOverDecodeCeiling: round(service.eventsPerSecond / decodeCeiling.eventsPerSecond, 3),
        serviceOverFloor: round(service.eventsPerSecond / floor.eventsPerSecond, 3),
        floorOverCeiling: round(floor.eventsPerSecond / ceiling.eventsPerSecond, 3),
        floorOverDecodeCeiling: round(floor.eventsPerSecond / decodeCeiling.eventsPerSecond, 3),
        keysFloorOverCeiling: round(keysFloor.eventsPerSecond / ceiling.eventsPerSecond, 3),
        keysFloorOverDecodeCeiling: round(
          keysFloor.eventsPerSecond / decodeCeiling.eventsPerSecond,
          3,
        ),
        serviceCpuOverDecodeCeiling: round(service.cpuUsPerEvent / decodeCeiling.cpuUsPerEvent, 2),
        serviceKeysOverRedisCeiling: round(
          serviceRate.keysPerSecond / redisBenchmark.unlinkPerSecond,
          3,
        ),
      },
      profile,
    };
  } finally {
    await deletePrefix(redis, prefix).catch(() => 0);
    redis.disconnect();
  }
}

async function runService(
  admin: Admin,
  options: ThroughputOptions,
  topic: string,
  total: number,
  rulesPath: string,
): Promise<ThroughputResult['service'] & Omit<ConsumerRate, 'keysPerSecond'>> {
  const groupId = `bench-${options.runId}-service`;
  options.groups.push(groupId);
  options.topics.push(`bench.${options.runId}.dlq`);
  const service = await ServiceProcess.start({
    name: 'bench-invalidator',
    topics: [topic],
    groupId,
    dlqTopic: `bench.${options.runId}.dlq`,
    rulesPath,
    redisUrl: endpoints.redisUrl,
    logPath: join(options.outDir, 'service-throughput.log'),
  });
  try {
    await waitCommitted(admin, groupId, topic, total, options.timeoutMs);
    const cpuMs = service.cpuMsSinceReady();
    const metrics = await service.metrics();
    const peakRssMiB = service.peakRssMiB();
    const chunks = service.chunks().sort((a, b) => a.time - b.time);
    const last = chunks.at(-1);
    if (last === undefined)
      throw new Error('the service logged no applied chunk; see service-throughput.log');
    // From the group join (readiness) to the last chunk applied to Redis.
    const events = chunks.reduce((sum, c) => sum + c.changes, 0);
    const seconds = (last.time - service.readyAt) / 1000;
    const distinctKeys = metrics.value('invalidator_invalidated_total', { kind: 'key' });
    return {
      events,
      seconds: round(seconds, 3),
      eventsPerSecond: events / seconds,
      keysPerSecond: 0,
      capped: false,
      cpuUsPerEvent: round((cpuMs * 1000) / events, 1),
      distinctKeysPerSecond: distinctKeys / seconds,
      chunks: chunks.length,
      chunkMs: distribution(chunks.map((c) => c.durationMs)),
      deadLetters: metrics.value('invalidator_dead_letters_total'),
      peakRssMiB,
      rss: service.rss,
    };
  } finally {
    await service.stop();
  }
}

/**
 * The problem statement's first version: one message at a time (eachMessage), the rules applied
 * per message, one awaited DEL per key (a tag: SMEMBERS, one DEL per member, DEL of the set).
 */
async function runNaive(
  kafkaClient: Kafka,
  redis: Redis,
  options: ThroughputOptions,
  topic: string,
  total: number,
  prefix: string,
): Promise<Omit<ConsumerRate, 'keysPerSecond'> & { redisCommandsPerEvent: number }> {
  const ruleSet = compileRules([{ path: 'bench-rules.yaml', text: benchRules(prefix) }]);
  const groupId = `bench-${options.runId}-naive`;
  options.groups.push(groupId);
  const consumer = kafkaClient.consumer({ groupId });
  let done = 0;
  let commands = 0;
  let lastAt = 0;
  let stop = false;
  const deadline = Date.now() + options.naiveTimeLimitMs;
  let joinedAt = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt ||= Date.now();
  });
  const cpuBeforeMs = ownCpuMs();
  let cpuMs = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        if (stop) return;
        const event = decodeMessage({
          topic,
          partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
        });
        const evaluation = evaluate(ruleSet, event);
        for (const key of evaluation.keys) {
          await redis.del(key);
          commands++;
        }
        for (const tag of evaluation.tags) {
          const set = tagSetKeyFor(tag);
          const members = await redis.smembers(set);
          for (const member of members) await redis.del(member);
          await redis.del(set);
          commands += members.length + 2;
        }
        done++;
        lastAt = Date.now();
        if (done >= total || lastAt >= deadline) {
          stop = true;
          cpuMs ||= ownCpuMs() - cpuBeforeMs;
        }
      },
    });
    await waitFor(() => stop, {
      what: 'the naive consumer to finish',
      timeoutMs: options.naiveTimeLimitMs + options.timeoutMs,
      intervalMs: 50,
    });
  } finally {
    await consumer.disconnect();
  }
  const seconds = (lastAt - joinedAt) / 1000;
  return {
    events: done,
    seconds: round(seconds, 3),
    eventsPerSecond: done / seconds,
    capped: done < total,
    cpuUsPerEvent: round((cpuMs * 1000) / done, 1),
    redisCommandsPerEvent: round(commands / done, 2),
  };
}

/**
 * Reads the whole topic with an in-process kafkajs consumer of its own group (1 MiB fetches, three
 * partitions at once), running `work` on each batch: its rate from the group join to the last
 * batch, and this process's CPU time over the run.
 */
async function runInProcess(
  kafkaClient: Kafka,
  options: ThroughputOptions,
  run: { topic: string; total: number; group: string },
  work: (messages: readonly KafkaMessage[]) => Promise<void>,
): Promise<Omit<ConsumerRate, 'keysPerSecond'>> {
  const groupId = `bench-${options.runId}-${run.group}`;
  options.groups.push(groupId);
  const consumer = kafkaClient.consumer({ groupId, maxBytesPerPartition: 1_048_576 });
  let done = 0;
  let joinedAt = 0;
  let lastAt = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt ||= Date.now();
  });
  const cpuBeforeMs = ownCpuMs();
  let cpuMs = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [run.topic], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        await work(batch.messages);
        done += batch.messages.length;
        lastAt = Date.now();
        if (done >= run.total) cpuMs ||= ownCpuMs() - cpuBeforeMs;
      },
    });
    await waitFor(() => done >= run.total, {
      what: `the ${run.group} consumer to read the topic`,
      timeoutMs: options.timeoutMs,
      intervalMs: 20,
    });
  } finally {
    await consumer.disconnect();
  }
  const seconds = (lastAt - joinedAt) / 1000;
  return {
    events: done,
    seconds: round(seconds, 3),
    eventsPerSecond: done / seconds,
    capped: false,
    cpuUsPerEvent: round((cpuMs * 1000) / done, 1),
  };
}

/**
 * A consumer on the same topic that deletes nothing and decodes nothing (`none`) or only
 * `JSON.parse`s each value (`json`).
 */
async function runCeiling(
  kafkaClient: Kafka,
  options: ThroughputOptions,
  topic: string,
  total: number,
  decode: 'none' | 'json',
): Promise<Omit<ConsumerRate, 'keysPerSecond'>> {
  let parsed = 0;
  const rate = await runInProcess(
    kafkaClient,
    options,
    { topic, total, group: `ceiling-${decode}` },
    (messages) => {
      if (decode === 'json') {
        for (const message of messages) {
          if (message.value !== null)
            parsed += JSON.parse(message.value.toString()) === null ? 0 : 1;
        }
      }
      return Promise.resolve();
    },
  );
  if (decode === 'json' && parsed !== rate.events)
    throw new Error(`parsed ${parsed} of ${rate.events} values`);
  return rate;
}

interface FloorRow {
  id: number;
  category_id: number;
  brand_id: number;
}

/**
 * A floor consumer (see {@link ThroughputResult.floor}), with 1 MiB fetches like the ceilings: it
 * is not held to the service's memory bound. Per batch it awaits one pipeline of SMEMBERS for its
 * tags (unless `tags` is false), then one of UNLINKs (250 keys each, with their leases, and the
 * tags' members and sets).
 */
async function runFloor(
  kafkaClient: Kafka,
  redis: Redis,
  options: ThroughputOptions,
  run: { topic: string; total: number; prefix: string; tags: boolean },
): Promise<Omit<ConsumerRate, 'keysPerSecond'>> {
  const { topic, total, prefix, tags } = run;
  const group = `floor-${tags ? 'tags' : 'keys'}`;
  let removed = 0;
  const unlinkAll = (pipeline: ReturnType<Redis['pipeline']>, keys: string[]): void => {
    for (let start = 0; start < keys.length; start += 500)
      pipeline.unlink(...keys.slice(start, start + 500));
  };
  const rate = await runInProcess(
    kafkaClient,
    options,
    { topic, total, group },
    async (messages) => {
      const keys: string[] = [];
      const tagSets: string[] = [];
      for (const message of messages) {
        if (message.value === null) continue;
        const { before, after } = JSON.parse(message.value.toString()) as {
          before: FloorRow;
          after: FloorRow;
        };
        const names = [
          `${prefix}product:${after.id}`,
          `${prefix}category:${after.category_id}:products`,
          `${prefix}brand:${after.brand_id}:products`,
        ];
        if (before.category_id !== after.category_id)
          names.push(`${prefix}category:${before.category_id}:products`);
        for (const name of names) keys.push(name, leaseKeyFor(name));
        if (tags) tagSets.push(tagSetKeyFor(`${prefix}product:${after.id}`));
      }
      if (tagSets.length > 0) {
        const reads = redis.pipeline();
        for (const set of tagSets) reads.smembers(set);
        for (const [error, reply] of (await reads.exec()) ?? []) {
          if (error) throw error;
          for (const member of reply as string[]) keys.push(member, leaseKeyFor(member));
        }
      }
      const writes = redis.pipeline();
      unlinkAll(writes, keys);
      unlinkAll(writes, tagSets);
      for (const [error, reply] of (await writes.exec()) ?? []) {
        if (error) throw error;
        removed += reply as number;
      }
    },
  );
  // The cache was filled before the run: a floor that unlinked nothing measured nothing.
  if (removed === 0) throw new Error(`the ${group} consumer removed no key`);
  return rate;
}

function parseRps(csv: string): number {
  const line = csv.trim().split('\n').at(-1) ?? '';
  const rps = Number(/^"[^"]*","([\d.]+)"/.exec(line)?.[1]);
  if (!Number.isFinite(rps) || rps <= 0) throw new Error(`redis-benchmark: no rate in ${csv}`);
  return rps;
}

/** The Redis ceiling: `redis-benchmark` with pipelined UNLINK (of absent keys: nothing to free). */
async function runRedisBenchmark(
  requests: number,
  prefix: string,
): Promise<ThroughputResult['redisBenchmark']> {
  const base = [
    '-h',
    endpoints.host,
    '-p',
    String(endpoints.redisPort),
    '-P',
    '100',
    '-c',
    '2',
    '-r',
    '1000000',
    '--csv',
  ];
  const one = await run(
    'redis-benchmark',
    [...base, '-n', String(requests), 'UNLINK', `${prefix}rb:__rand_int__`],
    {
      timeoutMs: 120_000,
    },
  );
  const tenKeys = Array.from({ length: 10 }, (_, i) => `${prefix}rb${i}:__rand_int__`);
  const ten = await run(
    'redis-benchmark',
    [...base, '-n', String(Math.max(1000, Math.round(requests / 10))), 'UNLINK', ...tenKeys],
    { timeoutMs: 120_000 },
  );
  return {
    unlinkPerSecond: Math.round(parseRps(one)),
    unlink10KeysPerSecond: Math.round(parseRps(ten) * 10),
  };
}
