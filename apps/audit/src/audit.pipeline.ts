import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import {
  createTopicsWithLeaders,
  DEMO_TABLES,
  dropConnector,
  endpoints,
  InvalidatorProcess,
  isolatedConnector,
  isolatedRules,
  registerConnector,
  waitFor,
  waitForCaughtUp,
  type CleanupStack,
} from '#local-pipeline';
import { INTERNAL_KEY_PREFIXES } from '#cache-keys';
import { RedisClientFactory, type RedisClient } from '#redis';
import {
  createAuditCatalog,
  insertMarker,
  type AuditCatalog,
  type CatalogSize,
} from './audit-catalog.fixture.js';

/** Everything between the audit's Postgres schema and its Redis keys; undone by `cleanup`. */
export interface AuditPipeline {
  readonly catalog: AuditCatalog;
  readonly keyPrefix: string;
  readonly redis: RedisClient;
  readonly service: InvalidatorProcess;
  readonly groupId: string;
  /** Waits until every change committed so far is invalidated and its offset committed. */
  catchUp(signal: AbortSignal): Promise<void>;
  /** Every key of the audit's prefix (entries), without leases and tag sets. */
  scanEntries(): Promise<string[]>;
  /** Deletes the audit's entries, leases and tag sets (between two modes, and at the end). */
  clearKeys(): Promise<void>;
}

/**
 * Builds the pipeline: schema and data, topics (one partition each, so a marker row orders after
 * every earlier change), connector, rules under a key prefix, the service. Every step registers
 * its undo on `cleanup` as soon as it exists.
 */
export async function createAuditPipeline(
  size: CatalogSize,
  cleanup: CleanupStack,
  signal: AbortSignal,
): Promise<AuditPipeline> {
  const catalog = await createAuditCatalog(size, cleanup);
  const { name } = catalog;
  const keyPrefix = `${name}:`;
  const redisFactory = new RedisClientFactory({
    mode: 'standalone',
    url: endpoints.redisUrl,
    connectionName: `${name}-checker`,
  });
  const redis = redisFactory.create();
  cleanup.push('close Redis', () => redisFactory.close(redis));
  const pipeline = { redis, keyPrefix } as const;
  cleanup.push('delete audit keys', () => clearKeys(pipeline));

  const admin = new Kafka({
    clientId: `${name}-audit`,
    brokers: [...endpoints.kafkaBrokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  cleanup.push('disconnect Kafka admin', () => admin.disconnect());
  const topics = DEMO_TABLES.map((table) => `${name}.${name}.${table}`);
  const deadLetterTopic = `${name}.dlq`;
  cleanup.push('delete topics', async () => {
    const existing = new Set(await admin.listTopics());
    const ours = [...topics, deadLetterTopic, `__debezium-heartbeat.${name}`];
    const found = ours.filter((topic) => existing.has(topic));
    if (found.length > 0) await admin.deleteTopics({ topics: found });
  });
  await createTopicsWithLeaders(
    admin,
    [...topics, deadLetterTopic].map((topic) => ({ topic, numPartitions: 1 })),
  );

  const dir = await mkdtemp(join(tmpdir(), `${name}-`));
  cleanup.push('remove rules directory', () => rm(dir, { recursive: true, force: true }));
  const rulesPath = join(dir, 'catalog.yaml');
  await writeFile(rulesPath, await isolatedRules(name, keyPrefix));

  cleanup.push('delete connector and slot', () => dropConnector(name, catalog.pool));
  await registerConnector(await isolatedConnector(name), { signal });

  const groupId = `${name}.invalidator`;
  cleanup.push('delete consumer group', () => admin.deleteGroups([groupId]).then(() => undefined));
  const service = await InvalidatorProcess.start({
    label: 'invalidator',
    keepLogLines: 40,
    signal,
    env: {
      INVALIDATOR_KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      INVALIDATOR_KAFKA_CLIENT_ID: `${name}-invalidator`,
      INVALIDATOR_KAFKA_GROUP_ID: groupId,
      INVALIDATOR_KAFKA_TOPICS: topics.join(','),
      INVALIDATOR_DLQ_TOPIC: deadLetterTopic,
      INVALIDATOR_DATABASE_URL: catalog.databaseUrl,
      INVALIDATOR_RULES_PATH: rulesPath,
      INVALIDATOR_REDIS_URL: endpoints.redisUrl,
      INVALIDATOR_LOG_LEVEL: 'warn',
    },
  });
  // SIGKILL after 15 s, as a failure of the cleanup.
  cleanup.push('stop invalidator', () => service.stop(15_000).then(() => undefined));
  await waitFor(() => redis.status === 'ready', {
    what: 'Redis connection',
    timeoutMs: 10_000,
    intervalMs: 100,
    signal,
  });

  return {
    catalog,
    keyPrefix,
    redis,
    service,
    groupId,
    catchUp: (abort) => catchUp(catalog, service, admin, groupId, topics, abort),
    scanEntries: () => scan(redis, `${keyPrefix}*`),
    clearKeys: () => clearKeys(pipeline),
  };
}

/**
 * A marker row goes into the products topic after every earlier change (one partition, commit
 * order); once the service counted it, every earlier change was applied. Then waits until the
 * group committed the end of each topic: nothing left that the service has not acknowledged.
 */
async function catchUp(
  catalog: AuditCatalog,
  service: InvalidatorProcess,
  admin: Admin,
  groupId: string,
  topics: readonly string[],
  signal: AbortSignal,
): Promise<void> {
  const created = async (): Promise<number> =>
    (await service.metrics()).value('invalidator_events_total', {
      entity: 'product',
      op: 'created',
    });
  const before = await created();
  await insertMarker(catalog);
  const timeoutMs = 600_000;
  await waitFor(async () => (await created()) > before, {
    what: 'the marker row through the service',
    timeoutMs,
    intervalMs: 100,
    signal,
  });
  await waitForCaughtUp(admin, groupId, topics, { timeoutMs, signal });
}

async function scan(redis: RedisClient, pattern: string): Promise<string[]> {
  if (redis instanceof Cluster) throw new Error('the audit runs on standalone Redis');
  const keys = new Set<string>();
  let cursor = '0';
  for (let round = 0; round < 1_000_000; round += 1) {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    for (const key of batch) keys.add(key);
    cursor = next;
    if (cursor === '0') break;
  }
  return [...keys];
}

async function clearKeys(pipeline: { redis: RedisClient; keyPrefix: string }): Promise<void> {
  const { redis, keyPrefix } = pipeline;
  // Entries, then the project's own keys around them (leases, tag sets, namespace counters,
  // markers), which carry the prefix after their own.
  const internal = INTERNAL_KEY_PREFIXES.map((prefix) => `${prefix}*${keyPrefix}*`);
  for (const pattern of [`${keyPrefix}*`, ...internal]) {
    const keys = await scan(redis, pattern);
    for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
  }
}
