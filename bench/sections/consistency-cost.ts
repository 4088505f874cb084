import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { endpoints } from '#local-pipeline';
import { benchRules, debeziumUpdate, productUpdates, type Workload } from '../lib/events.js';
import { createTopic, endOffset, partitionOf, produceAll, waitCommitted } from '../lib/kafka.js';
import { deletePrefix, populateCache } from '../lib/populate.js';
import { ServiceProcess } from '../lib/service.js';
import { formatInt, round } from '../lib/stats.js';

export interface ConsistencyCostOptions {
  runId: string;
  outDir: string;
  events: number;
  workload: Workload;
  timeoutMs: number;
  log: (line: string) => void;
  groups: string[];
  topics: string[];
}

/** One service configuration over the same pre-filled topic. */
export interface ConsistencyVariant {
  name: string;
  eventsPerSecond: number;
  cpuUsPerEvent: number;
  peakRssMiB: number;
  /** Events per second over the same run's unversioned baseline. */
  ratio: number;
  /** CPU per event over the baseline's. */
  cpuRatio: number;
  /** Invalidation markers in Redis right after the run (each lives 60 s). */
  markers: number;
  /** Checks the online checker ran (all windows, all results but `dropped`), and dropped. */
  checks: number;
  dropped: number;
}

export interface ConsistencyCostResult {
  events: number;
  variants: ConsistencyVariant[];
}

interface Variant {
  readonly name: string;
  readonly versioned: boolean;
  readonly env: Record<string, string>;
}

const CHECKS = 'invalidator_consistency_checks_total';

const CHECKER_100 = {
  INVALIDATOR_CONSISTENCY_CHECK: 'true',
  INVALIDATOR_CONSISTENCY_SAMPLE_RATE: '1',
  INVALIDATOR_CONSISTENCY_WINDOWS_MS: '1000',
  INVALIDATOR_CONSISTENCY_MAX_PENDING: '10000000',
  INVALIDATOR_CONSISTENCY_READS_PER_SECOND: '1000000',
};

const VARIANTS: readonly Variant[] = [
  { name: 'unversioned (UNLINK only)', versioned: false, env: {} },
  { name: 'versioned, markers off', versioned: true, env: { INVALIDATOR_MARKERS: 'false' } },
  { name: 'versioned, markers on', versioned: true, env: {} },
  {
    name: 'markers + checker (defaults: 1 %, 1/10/60 s)',
    versioned: true,
    env: { INVALIDATOR_CONSISTENCY_CHECK: 'true' },
  },
  { name: 'markers + checker (100 %, 1 s window)', versioned: true, env: CHECKER_100 },
];

/**
 * The cost of versions, markers and the online checker on the service's throughput: one topic of
 * product updates, consumed from the beginning by one fresh service per variant (same run, same
 * cache contents before each), from readiness to the last applied chunk.
 */
export async function consistencyCost(
  kafkaClient: Kafka,
  admin: Admin,
  options: ConsistencyCostOptions,
): Promise<ConsistencyCostResult> {
  const { runId, outDir, log } = options;
  const topic = `bench.${runId}.consistency`;
  const prefix = `bench:${runId}:cc:`;
  await createTopic(admin, topic);
  options.topics.push(topic);
  const producer = kafkaClient.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    // Each update carries its own updated_at, as the schema's trigger would write it.
    const base = Date.parse('2026-11-27T01:14:28.504Z');
    let i = 0;
    const messages = function* () {
      for (const update of productUpdates(options.events, options.workload, 7)) {
        const message = debeziumUpdate(update, Date.now());
        i += 1;
        const stamp = new Date(base + i).toISOString().replace('Z', '123Z');
        yield {
          key: message.key,
          value: message.value.replace(/"updated_at":"[^"]*"/g, `"updated_at":"${stamp}"`),
          partition: partitionOf(update.id),
        };
      }
    };
    await produceAll(producer, topic, messages());
  } finally {
    await producer.disconnect();
  }
  const total = await endOffset(admin, topic);
  if (total !== options.events) throw new Error(`${topic} holds ${total}, not ${options.events}`);
  const plain = join(outDir, 'consistency-rules.yaml');
  const versioned = join(outDir, 'consistency-rules-versioned.yaml');
  writeFileSync(plain, benchRules(prefix));
  writeFileSync(
    versioned,
    benchRules(prefix).replace(/(\n {4}columns: .*\n)/, '$1    version: updated_at\n'),
  );

  const redis = new Redis(endpoints.redisUrl, { connectionName: 'bench-consistency' });
  const measured: Omit<ConsistencyVariant, 'ratio' | 'cpuRatio'>[] = [];
  try {
    for (const [index, variant] of VARIANTS.entries()) {
      await deletePrefix(redis, prefix);
      await populateCache(redis, prefix, options.workload);
      const result = await runVariant(admin, options, {
        topic,
        total,
        rulesPath: variant.versioned ? versioned : plain,
        env: variant.env,
        tag: `cc${index}`,
        prefix,
        redis,
      });
      measured.push({ name: variant.name, ...result });
      log(
        `  ${variant.name}: ${formatInt(result.eventsPerSecond)} events/s, ` +
          `${result.cpuUsPerEvent} µs CPU/event, ${formatInt(result.markers)} markers, ` +
          `${formatInt(result.checks)} checks (${formatInt(result.dropped)} dropped)`,
      );
    }
  } finally {
    await deletePrefix(redis, prefix).catch(() => 0);
    redis.disconnect();
  }
  const baseline = measured[0];
  if (baseline === undefined) throw new Error('no variant ran');
  return {
    events: total,
    variants: measured.map((m) => ({
      ...m,
      ratio: round(m.eventsPerSecond / baseline.eventsPerSecond, 3),
      cpuRatio: round(m.cpuUsPerEvent / baseline.cpuUsPerEvent, 3),
    })),
  };
}

interface RunSpec {
  topic: string;
  total: number;
  rulesPath: string;
  env: Record<string, string>;
  tag: string;
  prefix: string;
  redis: Redis;
}

async function runVariant(
  admin: Admin,
  options: ConsistencyCostOptions,
  spec: RunSpec,
): Promise<Omit<ConsistencyVariant, 'name' | 'ratio' | 'cpuRatio'>> {
  const groupId = `bench-${options.runId}-${spec.tag}`;
  const dlqTopic = `bench.${options.runId}.${spec.tag}.dlq`;
  options.groups.push(groupId);
  options.topics.push(dlqTopic);
  const service = await ServiceProcess.start({
    name: `bench-${spec.tag}`,
    topics: [spec.topic],
    groupId,
    dlqTopic,
    rulesPath: spec.rulesPath,
    redisUrl: endpoints.redisUrl,
    logPath: join(options.outDir, `service-consistency-${spec.tag}.log`),
    env: spec.env,
  });
  try {
    await waitCommitted(admin, groupId, spec.topic, spec.total, options.timeoutMs);
    const cpuMs = service.cpuMsSinceReady();
    const chunks = service.chunks().sort((a, b) => a.time - b.time);
    const last = chunks.at(-1);
    if (last === undefined) throw new Error(`${spec.tag}: the service logged no applied chunk`);
    const events = chunks.reduce((sum, c) => sum + c.changes, 0);
    const seconds = (last.time - service.readyAt) / 1000;
    const metrics = await service.metrics();
    const dropped = metrics.value(CHECKS, { result: 'dropped' });
    const checks = metrics.value(CHECKS) - dropped;
    return {
      eventsPerSecond: round(events / seconds, 0),
      cpuUsPerEvent: round((cpuMs * 1000) / events, 1),
      peakRssMiB: round(service.peakRssMiB(), 1),
      markers: await countMarkers(spec.redis, spec.prefix),
      checks,
      dropped,
    };
  } finally {
    await service.stop();
  }
}

async function countMarkers(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let count = 0;
  for (let page = 0; page < 100_000; page++) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `__inv:*${prefix}*`, 'COUNT', 1000);
    count += keys.length;
    cursor = next;
    if (cursor === '0') break;
  }
  return count;
}

/** The Markdown rows of the section (for the hand-written analysis and the run's report). */
export function consistencyCostTable(result: ConsistencyCostResult): string[] {
  return [
    `${formatInt(result.events)} product updates, one fresh service per variant, same topic and same cache contents before each:`,
    '',
    '| variant | events/s | vs unversioned | CPU µs/event | vs unversioned | markers left | checks (dropped) | peak RSS MiB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...result.variants.map(
      (v) =>
        `| ${v.name} | ${formatInt(v.eventsPerSecond)} | ${v.ratio}× | ${v.cpuUsPerEvent} | ${v.cpuRatio}× | ${formatInt(v.markers)} | ${formatInt(v.checks)} (${formatInt(v.dropped)}) | ${v.peakRssMiB} |`,
    ),
  ];
}
