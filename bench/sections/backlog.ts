import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { endpoints, waitFor } from '#local-pipeline';
import { benchRules, debeziumUpdate, productUpdates, type Workload } from '../lib/events.js';
import {
  committedOffset,
  createTopic,
  endOffset,
  partitionOf,
  produceAll,
  waitCommitted,
} from '../lib/kafka.js';
import { deletePrefix } from '../lib/populate.js';
import { ServiceProcess } from '../lib/service.js';
import { round } from '../lib/stats.js';

export interface BacklogOptions {
  runId: string;
  outDir: string;
  /** Update events already in Kafka when the service starts. */
  events: number;
  workload: Workload;
  timeoutMs: number;
  log: (line: string) => void;
  groups: string[];
  topics: string[];
}

export interface BacklogResult {
  events: number;
  produceSeconds: number;
  /** From readiness to the last offset committed. */
  drainSeconds: number;
  eventsPerSecond: number;
  cpuUsPerEvent: number;
  peakRssMiB: number;
  /**
   * A fresh change produced when half the backlog was committed: from its commit time
   * (`source.ts_ms`, set when produced) to its key's deletion, i.e. how long it waited behind the
   * backlog of its partition.
   */
  freshChange: { producedAtCommitted: number; lagMs: number };
}

/** A product id outside the workload's range, so its key is touched by the fresh change only. */
const FRESH_ID = 999_999_999;

/**
 * A backlog drained by one instance: `events` updates already in a 3-partition topic (as after a
 * bulk update or an outage), the service started on them; time to drain, rate, CPU per event,
 * peak RSS, and the lag of one fresh change made mid-drain.
 */
export async function backlog(
  kafkaClient: Kafka,
  admin: Admin,
  options: BacklogOptions,
): Promise<BacklogResult> {
  const { runId, outDir, log } = options;
  const topic = `bench.${runId}.backlog`;
  const prefix = `bench:${runId}:bl:`;
  const rulesPath = join(outDir, 'backlog-rules.yaml');
  writeFileSync(rulesPath, benchRules(prefix));
  await createTopic(admin, topic);
  options.topics.push(topic);
  const produceSeconds = await fill(kafkaClient, admin, topic, options);
  log(`  topic ${topic}: ${options.events} events in ${produceSeconds} s`);

  const redis = new Redis(endpoints.redisUrl, { connectionName: 'bench-backlog' });
  const groupId = `bench-${runId}-backlog`;
  options.groups.push(groupId);
  options.topics.push(`bench.${runId}.backlog-dlq`);
  try {
    await redis.set(`${prefix}product:${FRESH_ID}`, '1', 'EX', 3600);
    const service = await ServiceProcess.start({
      name: 'bench-backlog',
      topics: [topic],
      groupId,
      dlqTopic: `bench.${runId}.backlog-dlq`,
      rulesPath,
      redisUrl: endpoints.redisUrl,
      logPath: join(outDir, 'service-backlog.log'),
    });
    try {
      const fresh = await freshChangeMidDrain(kafkaClient, admin, redis, {
        ...options,
        topic,
        groupId,
        prefix,
        service,
      });
      await waitCommitted(admin, groupId, topic, options.events + 1, options.timeoutMs);
      const drainSeconds = (Date.now() - service.readyAt) / 1000;
      const cpuMs = service.cpuMsSinceReady();
      const peakRssMiB = service.peakRssMiB();
      const events = options.events + 1;
      log(
        `  drained ${events} in ${round(drainSeconds, 1)} s, peak RSS ${round(peakRssMiB, 1)} MiB; fresh change waited ${fresh.lagMs} ms`,
      );
      return {
        events,
        produceSeconds,
        drainSeconds: round(drainSeconds, 1),
        eventsPerSecond: round(events / drainSeconds),
        cpuUsPerEvent: round((cpuMs * 1000) / events, 1),
        peakRssMiB: round(peakRssMiB, 1),
        freshChange: fresh,
      };
    } finally {
      await service.stop();
    }
  } finally {
    await deletePrefix(redis, prefix).catch(() => 0);
    redis.disconnect();
  }
}

async function fill(
  kafkaClient: Kafka,
  admin: Admin,
  topic: string,
  options: BacklogOptions,
): Promise<number> {
  const producer = kafkaClient.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const started = Date.now();
  try {
    const now = Date.now();
    const messages = function* () {
      for (const update of productUpdates(options.events, options.workload)) {
        yield { ...debeziumUpdate(update, now), partition: partitionOf(update.id) };
      }
    };
    await produceAll(producer, topic, messages(), 2_000, 8);
  } finally {
    await producer.disconnect();
  }
  const total = await endOffset(admin, topic);
  if (total !== options.events)
    throw new Error(`${topic} holds ${total} messages, expected ${options.events}`);
  return round((Date.now() - started) / 1000, 1);
}

/** Waits for half the backlog to be committed, produces one fresh change, times its deletion. */
async function freshChangeMidDrain(
  kafkaClient: Kafka,
  admin: Admin,
  redis: Redis,
  context: BacklogOptions & {
    topic: string;
    groupId: string;
    prefix: string;
    service: ServiceProcess;
  },
): Promise<BacklogResult['freshChange']> {
  const { topic, groupId, prefix, service } = context;
  let committed = 0;
  await waitFor(
    async () => {
      service.assertAlive();
      committed = await committedOffset(admin, groupId, topic);
      return committed >= context.events / 2;
    },
    { what: 'half the backlog to be committed', timeoutMs: context.timeoutMs, intervalMs: 100 },
  );
  const producer = kafkaClient.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const update = {
    id: FRESH_ID,
    categoryBefore: 1,
    categoryAfter: 1,
    brand: 1,
    priceCents: 4_200,
  };
  const committedAt = Date.now();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: [{ ...debeziumUpdate(update, committedAt), partition: partitionOf(FRESH_ID) }],
    });
  } finally {
    await producer.disconnect();
  }
  const key = `${prefix}product:${FRESH_ID}`;
  await waitFor(async () => (await redis.exists(key)) === 0, {
    what: `the fresh change's key ${key} to be deleted`,
    timeoutMs: context.timeoutMs,
    intervalMs: 10,
  });
  return { producedAtCommitted: committed, lagMs: Date.now() - committedAt };
}
